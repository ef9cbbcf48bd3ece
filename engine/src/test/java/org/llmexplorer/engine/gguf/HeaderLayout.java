package org.llmexplorer.engine.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the fields of a GGUF header sit, found by walking the bytes independently of the
 * reader under test, so that broken files can be made by changing exactly one field.
 */
final class HeaderLayout {
    /** Byte offset of each field, e.g. "kv[3].type", "kv['general.name'].value", "tensor[0].ndims". */
    final Map<String, Long> offsets = new LinkedHashMap<>();
    final Map<String, String> keyTypes = new LinkedHashMap<>();
    long headerEnd;

    HeaderLayout(byte[] file) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        mark("magic", b);
        b.getInt();
        mark("version", b);
        b.getInt();
        mark("tensor_count", b);
        long tensors = b.getLong();
        mark("kv_count", b);
        long kvs = b.getLong();
        for (int i = 0; i < kvs; i++) {
            mark("kv[" + i + "].key", b);
            String key = string(b);
            mark("kv['" + key + "'].type", b);
            int type = b.getInt();
            keyTypes.put(key, String.valueOf(type));
            mark("kv['" + key + "'].value", b);
            skipValue(b, type);
        }
        for (int i = 0; i < tensors; i++) {
            mark("tensor[" + i + "].name", b);
            string(b);
            mark("tensor[" + i + "].ndims", b);
            int n = b.getInt();
            for (int d = 0; d < n; d++) {
                mark("tensor[" + i + "].ne[" + d + "]", b);
                b.getLong();
            }
            mark("tensor[" + i + "].type", b);
            b.getInt();
            mark("tensor[" + i + "].offset", b);
            b.getLong();
        }
        headerEnd = b.position();
    }

    long at(String field) {
        Long v = offsets.get(field);
        if (v == null) {
            throw new IllegalArgumentException("no field " + field);
        }
        return v;
    }

    private void mark(String name, ByteBuffer b) {
        offsets.put(name, (long) b.position());
    }

    private static String string(ByteBuffer b) {
        int len = (int) b.getLong();
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void skipValue(ByteBuffer b, int type) {
        switch (type) {
            case 0, 1, 7 -> b.get();
            case 2, 3 -> b.getShort();
            case 4, 5, 6 -> b.getInt();
            case 10, 11, 12 -> b.getLong();
            case 8 -> string(b);
            case 9 -> {
                int elem = b.getInt();
                long n = b.getLong();
                for (long i = 0; i < n; i++) {
                    skipValue(b, elem);
                }
            }
            default -> throw new IllegalStateException("type " + type);
        }
    }
}
