package org.llmexplorer.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * Parses and validates the header of a GGUF file (everything before the data section).
 * Every count, length and offset is checked against the bytes that remain before it is used,
 * so a damaged file ends in a {@link GgufFormatException}, never an OutOfMemoryError or a hang.
 */
record GgufHeader(int version, Map<String, GgufValue> metadata, List<GgufTensorInfo> tensors,
                  long dataStart, int alignment, Map<String, Long> valueOffsets, Map<String, Long> tensorInfoOffsets,
                  long metadataEnd) {

    static final int MAX_DIMS = 4;
    static final int MAX_ARRAY_NESTING = 8;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    static GgufHeader parse(MemorySegment file, String fileName) throws GgufFormatException {
        Reader in = new Reader(file, fileName);
        long magicAt = in.pos;
        int magic = in.i32("magic");
        if (magic != GgufFile.MAGIC) {
            throw in.error("magic", magicAt, String.format(
                    "not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, GgufFile.MAGIC));
        }
        long versionAt = in.pos;
        int version = in.i32("version");
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? " (a big-endian file; only little-endian GGUF is supported)" : "";
            throw in.error("version", versionAt,
                    "unsupported GGUF version " + Integer.toUnsignedString(version) + hint + "; supported: 2, 3");
        }
        long tensorCountAt = in.pos;
        long tensorCount = in.i64("tensor_count");
        long kvCountAt = in.pos;
        long kvCount = in.i64("metadata_kv_count");
        // Each tensor info takes at least 24 bytes and each key/value pair at least 13.
        in.checkCount("tensor_count", tensorCountAt, tensorCount, 24);
        in.checkCount("metadata_kv_count", kvCountAt, kvCount, 13);

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        Map<String, Long> valueOffsets = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.pos;
            String key = in.utf8("metadata[" + i + "].key");
            if (metadata.containsKey(key)) {
                throw in.error("metadata[" + i + "].key", keyAt, "duplicate metadata key '" + key + "'");
            }
            long typeAt = in.pos;
            GgufValueType type = in.valueType("metadata['" + key + "'].type", typeAt);
            valueOffsets.put(key, in.pos);
            metadata.put(key, in.value(type, "metadata['" + key + "']", 0));
        }
        long metadataEnd = in.pos;

        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        GgufValue align = metadata.get(GgufFile.ALIGNMENT_KEY);
        if (align != null) {
            long a = align.type() == GgufValueType.UINT32 ? align.asLong() : -1;
            if (a <= 0 || (a & (a - 1)) != 0) {
                throw in.error(GgufFile.ALIGNMENT_KEY, valueOffsets.get(GgufFile.ALIGNMENT_KEY),
                        "general.alignment must be a power-of-two UINT32, found " + align.type() + " " + align);
            }
            alignment = (int) a;
        }

        List<GgufTensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long[] tensorInfoOffsets = new long[(int) tensorCount];
        Map<String, Long> infoOffsets = new LinkedHashMap<>();
        for (int i = 0; i < tensorCount; i++) {
            tensorInfoOffsets[i] = in.pos;
            String field = "tensor[" + i + "]";
            long nameAt = in.pos;
            String name = in.string(field + ".name");
            if (!names.add(name)) {
                throw in.error(field + ".name", nameAt, "duplicate tensor name '" + name + "'");
            }
            field = "tensor['" + name + "']";
            long dimsAt = in.pos;
            int nDims = in.i32(field + ".n_dims");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw in.error(field + ".n_dims", dimsAt,
                        "tensor has " + Integer.toUnsignedString(nDims) + " dimensions; allowed 1.." + MAX_DIMS);
            }
            long[] shape = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                long at = in.pos;
                shape[d] = in.i64(field + ".ne[" + d + "]");
                if (shape[d] < 0) {
                    throw in.error(field + ".ne[" + d + "]", at,
                            "dimension " + Long.toUnsignedString(shape[d]) + " is out of range");
                }
                if (shape[d] != 0 && elements > Long.MAX_VALUE / shape[d]) {
                    throw in.error(field + ".ne[" + d + "]", at, "element count overflows 64 bits");
                }
                elements *= shape[d];
            }
            long typeAt = in.pos;
            int typeId = in.i32(field + ".type");
            GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
            if (type == null) {
                throw in.error(field + ".type", typeAt, "unknown tensor type " + Integer.toUnsignedString(typeId));
            }
            if (shape[0] % type.blockSize != 0) {
                throw in.error(field + ".ne[0]", dimsAt + 4, "row length " + shape[0]
                        + " is not a multiple of the " + type + " block size " + type.blockSize);
            }
            if (elements / type.blockSize > Long.MAX_VALUE / type.blockBytes) {
                throw in.error(field + ".ne", dimsAt, "tensor byte size overflows 64 bits");
            }
            long offsetAt = in.pos;
            long offset = in.i64(field + ".offset");
            if (offset < 0 || offset % alignment != 0) {
                throw in.error(field + ".offset", offsetAt, "data offset " + Long.toUnsignedString(offset)
                        + " is not a multiple of the alignment " + alignment);
            }
            tensors.add(new GgufTensorInfo(name, type, shape, offset));
            infoOffsets.put(name, tensorInfoOffsets[i]);
        }

        long dataStart = alignUp(in.pos, alignment);
        long dataSize = Math.max(0, file.byteSize() - dataStart);
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensorInfo t = tensors.get(i);
            long size = t.byteSize();
            if (size > 0 && (t.offset() > dataSize || size > dataSize - t.offset())) {
                throw in.error("tensor['" + t.name() + "'].offset", tensorInfoOffsets[i], "tensor data ["
                        + (dataStart + t.offset()) + ", " + (dataStart + t.offset() + size)
                        + ") runs past the end of the file (" + file.byteSize() + " bytes)");
            }
        }
        // No two tensors may share bytes: a damaged offset that points into another tensor is refused.
        Integer[] byOffset = new Integer[tensors.size()];
        for (int i = 0; i < byOffset.length; i++) {
            byOffset[i] = i;
        }
        java.util.Arrays.sort(byOffset, java.util.Comparator.comparingLong(i -> tensors.get(i).offset()));
        for (int k = 1; k < byOffset.length; k++) {
            GgufTensorInfo before = tensors.get(byOffset[k - 1]);
            GgufTensorInfo t = tensors.get(byOffset[k]);
            if (before.byteSize() > 0 && t.byteSize() > 0 && t.offset() < before.offset() + before.byteSize()) {
                int i = byOffset[k];
                throw in.error("tensor['" + t.name() + "'].offset", tensorInfoOffsets[i], "tensor data at "
                        + t.offset() + " overlaps tensor '" + before.name() + "' [" + before.offset() + ", "
                        + (before.offset() + before.byteSize()) + ")");
            }
        }
        return new GgufHeader(version, metadata, tensors, dataStart, alignment, valueOffsets, infoOffsets, metadataEnd);
    }

    static long alignUp(long pos, long alignment) {
        return (pos + alignment - 1) / alignment * alignment;
    }

    /** A bounds-checked little-endian cursor over the mapped file. */
    private static final class Reader {
        final MemorySegment file;
        final String fileName;
        long pos;

        Reader(MemorySegment file, String fileName) {
            this.file = file;
            this.fileName = fileName;
        }

        GgufFormatException error(String field, long offset, String problem) {
            return new GgufFormatException(fileName, field, offset, problem);
        }

        long remaining() {
            return file.byteSize() - pos;
        }

        void need(long bytes, String field) throws GgufFormatException {
            if (bytes > remaining()) {
                throw error(field, pos, "file truncated: " + field + " needs " + bytes + " bytes but only "
                        + remaining() + " remain");
            }
        }

        void checkCount(String field, long at, long count, long minBytesEach) throws GgufFormatException {
            if (count < 0 || count > remaining() / minBytesEach) {
                throw error(field, at, "count " + Long.toUnsignedString(count) + " is impossible: only "
                        + remaining() + " bytes remain and each entry needs at least " + minBytesEach
                        + " (file truncated or corrupt)");
            }
        }

        int i32(String field) throws GgufFormatException {
            need(4, field);
            int v = file.get(U32, pos);
            pos += 4;
            return v;
        }

        long i64(String field) throws GgufFormatException {
            need(8, field);
            long v = file.get(U64, pos);
            pos += 8;
            return v;
        }

        /** A string that must be valid UTF-8 (keys: they are looked up by name, so a damaged one must not pass as another). */
        String utf8(String field) throws GgufFormatException {
            long at = pos;
            String s = string(field);
            byte[] raw = file.asSlice(at + 8, pos - at - 8).toArray(ValueLayout.JAVA_BYTE);
            try {
                StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(raw));
            } catch (java.nio.charset.CharacterCodingException e) {
                throw error(field, at + 8, "not valid UTF-8");
            }
            return s;
        }

        String string(String field) throws GgufFormatException {
            long at = pos;
            long len = i64(field + ".length");
            if (len < 0 || len > remaining()) {
                throw error(field, at, "string length " + Long.toUnsignedString(len) + " exceeds the "
                        + remaining() + " bytes that remain (file truncated or corrupt)");
            }
            byte[] bytes = file.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(bytes, StandardCharsets.UTF_8);
        }

        GgufValueType valueType(String field, long at) throws GgufFormatException {
            int id = i32(field);
            GgufValueType type = GgufValueType.byId(Integer.toUnsignedLong(id));
            if (type == null) {
                throw error(field, at, "unknown metadata value type " + Integer.toUnsignedString(id));
            }
            return type;
        }

        GgufValue value(GgufValueType type, String field, int depth) throws GgufFormatException {
            need(type.minEncodedSize(), field);
            Object v = switch (type) {
                case UINT8 -> Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, pos));
                case INT8 -> (int) file.get(ValueLayout.JAVA_BYTE, pos);
                case UINT16 -> Short.toUnsignedInt(file.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos));
                case INT16 -> (int) file.get(ValueLayout.JAVA_SHORT_UNALIGNED, pos);
                case UINT32 -> Integer.toUnsignedLong(file.get(U32, pos));
                case INT32 -> file.get(U32, pos);
                case FLOAT32 -> file.get(ValueLayout.JAVA_FLOAT_UNALIGNED, pos);
                case BOOL -> bool(field);
                case UINT64, INT64 -> file.get(U64, pos);
                case FLOAT64 -> file.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, pos);
                case STRING -> string(field);
                case ARRAY -> array(field, depth);
            };
            if (type.size > 0) {
                pos += type.size;
            }
            return new GgufValue(type, v);
        }

        private boolean bool(String field) throws GgufFormatException {
            byte b = file.get(ValueLayout.JAVA_BYTE, pos);
            if (b != 0 && b != 1) {
                throw error(field, pos, "boolean byte is " + b + ", expected 0 or 1");
            }
            return b == 1;
        }

        private GgufValue.GgufArray array(String field, int depth) throws GgufFormatException {
            if (depth >= MAX_ARRAY_NESTING) {
                throw error(field, pos, "arrays nested deeper than " + MAX_ARRAY_NESTING);
            }
            long typeAt = pos;
            GgufValueType elementType = valueType(field + ".element_type", typeAt);
            long countAt = pos;
            long count = i64(field + ".count");
            checkCount(field + ".count", countAt, count, elementType.minEncodedSize());
            if (count > Integer.MAX_VALUE - 8) {
                throw error(field + ".count", countAt, "array of " + count + " elements is too large");
            }
            int n = (int) count;
            String elem = field + "[]";
            return new GgufValue.GgufArray(elementType, switch (elementType) {
                case UINT8, INT8, UINT16, INT16, INT32 -> {
                    int[] a = new int[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Integer) value(elementType, elem, depth + 1).value();
                    }
                    yield a;
                }
                case UINT32, UINT64, INT64 -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Long) value(elementType, elem, depth + 1).value();
                    }
                    yield a;
                }
                case FLOAT32 -> {
                    float[] a = new float[n];
                    file.asSlice(pos, 4L * n).asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer().get(a);
                    pos += 4L * n;
                    yield a;
                }
                case FLOAT64 -> {
                    double[] a = new double[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Double) value(elementType, elem, depth + 1).value();
                    }
                    yield a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = (Boolean) value(elementType, elem, depth + 1).value();
                    }
                    yield a;
                }
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = string(field + "[" + i + "]");
                    }
                    yield a;
                }
                case ARRAY -> {
                    GgufValue.GgufArray[] a = new GgufValue.GgufArray[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = array(field + "[" + i + "]", depth + 1);
                    }
                    yield a;
                }
            });
        }
    }
}
