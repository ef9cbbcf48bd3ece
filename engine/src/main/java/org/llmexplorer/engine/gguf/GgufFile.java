package org.llmexplorer.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file: its metadata and tensor table, with tensor data read in place through a
 * read-only memory mapping. Nothing of the data section is copied onto the heap.
 *
 * <p>Closing the file unmaps it; tensor segments handed out before must not be used after.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName;
    private final long dataStart;
    private final int alignment;
    private final Map<String, Long> valueOffsets;
    private final Map<String, Long> tensorInfoOffsets;
    private final long metadataEnd;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufHeader header) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = header.version();
        this.metadata = Collections.unmodifiableMap(header.metadata());
        this.tensors = List.copyOf(header.tensors());
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensors) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = Collections.unmodifiableMap(byName);
        this.dataStart = header.dataStart();
        this.alignment = header.alignment();
        this.valueOffsets = header.valueOffsets();
        this.tensorInfoOffsets = header.tensorInfoOffsets();
        this.metadataEnd = header.metadataEnd();
    }

    /**
     * The byte offset of a metadata key's value, for errors that point at it; for a key the file
     * lacks, the end of the metadata section (where it would have to be).
     */
    public long offsetOf(String key) {
        return valueOffsets.getOrDefault(key, metadataEnd);
    }

    /** The byte offset of a tensor's entry in the header (name, dimensions, type, offset); -1 for none. */
    public long tensorInfoOffset(String name) {
        return tensorInfoOffsets.getOrDefault(name, -1L);
    }

    /** A format error about this file: what, in which field, at which byte offset. */
    public GgufFormatException error(String field, long offset, String problem) {
        return new GgufFormatException(path.getFileName().toString(), field, offset, problem);
    }

    /** A format error about a metadata key (its value, or where it is missing). */
    public GgufFormatException keyError(String key, String problem) {
        return error(key, offsetOf(key), problem);
    }

    /** Opens and validates a GGUF file; throws {@link GgufFormatException} naming the problem. */
    public static GgufFile open(Path path) throws IOException {
        if (java.nio.file.Files.isDirectory(path)) {
            throw new java.nio.file.FileSystemException(path.toString(), null, "a folder, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            MemorySegment mapping = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            GgufHeader header = GgufHeader.parse(mapping, path.getFileName().toString());
            return new GgufFile(path, arena, mapping, header);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return mapping.byteSize();
    }

    public int alignment() {
        return alignment;
    }

    /** Byte offset of the data section within the file. */
    public long dataStart() {
        return dataStart;
    }

    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    public Optional<GgufTensorInfo> tensor(String name) {
        return Optional.ofNullable(tensorsByName.get(name));
    }

    /** The bytes of a tensor, in place in the mapping. */
    public MemorySegment data(GgufTensorInfo tensor) {
        return mapping.asSlice(dataStart + tensor.offset(), tensor.byteSize());
    }

    public Optional<GgufValue> value(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    public Optional<String> string(String key) {
        return value(key).filter(v -> v.type() == GgufValueType.STRING).map(v -> (String) v.value());
    }

    public Optional<Long> integer(String key) {
        return value(key).filter(v -> v.value() instanceof Number && v.type() != GgufValueType.FLOAT32
                && v.type() != GgufValueType.FLOAT64).map(GgufValue::asLong);
    }

    public Optional<Double> number(String key) {
        return value(key).filter(v -> v.value() instanceof Number).map(GgufValue::asDouble);
    }

    public Optional<Boolean> bool(String key) {
        return value(key).filter(v -> v.type() == GgufValueType.BOOL).map(v -> (Boolean) v.value());
    }

    public Optional<GgufValue.GgufArray> array(String key) {
        return value(key).filter(v -> v.type() == GgufValueType.ARRAY).map(v -> (GgufValue.GgufArray) v.value());
    }

    @Override
    public void close() {
        arena.close();
    }
}
