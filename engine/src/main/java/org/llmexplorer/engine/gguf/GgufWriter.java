package org.llmexplorer.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * Writes GGUF version 3 files. Tensor data is produced by a {@link TensorSource} straight into
 * the memory-mapped output, so multi-gigabyte files are written without heap copies.
 */
public final class GgufWriter {

    /** Fills the bytes of one tensor. The segment has exactly the tensor's byte size. */
    @FunctionalInterface
    public interface TensorSource {
        void fill(MemorySegment target) throws IOException;

        static TensorSource of(MemorySegment bytes) {
            return target -> target.copyFrom(bytes);
        }

        static TensorSource ofFloats(float[] values) {
            return target -> MemorySegment.copy(values, 0, target, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        }
    }

    private record Pending(String name, GgmlType type, long[] shape, TensorSource source) {
        long byteSize() {
            return new GgufTensorInfo(name, type, shape, 0).byteSize();
        }
    }

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();
    private int version = 3;

    public GgufWriter version(int version) {
        if (version != 2 && version != 3) {
            throw new IllegalArgumentException("GGUF version must be 2 or 3");
        }
        this.version = version;
        return this;
    }

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putAll(Map<String, GgufValue> values) {
        metadata.putAll(values);
        return this;
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        if (shape[0] % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": row length " + shape[0] + " is not a multiple of "
                    + type.blockSize);
        }
        tensors.add(new Pending(name, type, shape.clone(), source));
        return this;
    }

    private int alignment() {
        GgufValue a = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (a == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        long v = a.type() == GgufValueType.UINT32 ? a.asLong() : -1;
        if (v <= 0 || (v & (v - 1)) != 0) {
            throw new IllegalArgumentException("general.alignment must be a power-of-two UINT32, not " + a.type() + " " + a);
        }
        return (int) v;
    }

    public void write(Path out) throws IOException {
        int alignment = alignment();
        Bytes header = new Bytes();
        header.i32(GgufFile.MAGIC);
        header.i32(version);
        header.i64(tensors.size());
        header.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            header.string(e.getKey());
            header.i32(e.getValue().type().id);
            header.value(e.getValue());
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Pending t = tensors.get(i);
            header.string(t.name());
            header.i32(t.shape().length);
            for (long d : t.shape()) {
                header.i64(d);
            }
            header.i32(t.type().id);
            offsets[i] = offset;
            header.i64(offset);
            offset = GgufHeader.alignUp(offset + t.byteSize(), alignment);
        }
        byte[] headerBytes = header.toByteArray();
        long dataStart = GgufHeader.alignUp(headerBytes.length, alignment);
        long total = tensors.isEmpty() ? headerBytes.length
                : dataStart + offsets[offsets.length - 1] + tensors.getLast().byteSize();

        Files.deleteIfExists(out);
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE); Arena arena = Arena.ofShared()) {
            ch.write(ByteBuffer.wrap(headerBytes));
            if (tensors.isEmpty()) {
                return;
            }
            MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, total, arena);
            for (int i = 0; i < tensors.size(); i++) {
                Pending t = tensors.get(i);
                t.source().fill(map.asSlice(dataStart + offsets[i], t.byteSize()));
            }
        }
    }

    /** Little-endian byte sink for the header. */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void i8(int v) {
            out.write(v);
        }

        void i16(int v) {
            scratch.clear();
            out.write(scratch.putShort((short) v).array(), 0, 2);
        }

        void i32(int v) {
            scratch.clear();
            out.write(scratch.putInt(v).array(), 0, 4);
        }

        void i64(long v) {
            scratch.clear();
            out.write(scratch.putLong(v).array(), 0, 8);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.writeBytes(b);
        }

        void value(GgufValue v) {
            scalarOrArray(v.type(), v.value());
        }

        private void scalarOrArray(GgufValueType type, Object v) {
            switch (type) {
                case UINT8, INT8 -> i8(((Number) v).intValue());
                case UINT16, INT16 -> i16(((Number) v).intValue());
                case UINT32, INT32 -> i32(((Number) v).intValue());
                case UINT64, INT64 -> i64(((Number) v).longValue());
                case FLOAT32 -> i32(Float.floatToRawIntBits(((Number) v).floatValue()));
                case FLOAT64 -> i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                case BOOL -> i8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> array((GgufValue.GgufArray) v);
            }
        }

        private void array(GgufValue.GgufArray a) {
            i32(a.elementType().id);
            int n = a.length();
            i64(n);
            for (int i = 0; i < n; i++) {
                scalarOrArray(a.elementType(), java.lang.reflect.Array.get(a.values(), i));
            }
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
