package org.llmexplorer.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;

/**
 * Broken files made from the real stories model, one damage at a time. Each must be refused
 * with a GgufFormatException that names the problem and the field and points at the byte
 * offset of the damage: never an OutOfMemoryError, another exception, or a hang.
 */
class MalformedGgufTest {
    private static byte[] original;
    private static HeaderLayout layout;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        original = Files.readAllBytes(Shared.path("models/stories260K.gguf"));
        layout = new HeaderLayout(original);
    }

    /** Opens damaged bytes and returns the exception, checking its kind, field and offset. */
    private GgufFormatException refuse(byte[] bytes, String field, long offset, String... phrases) throws Exception {
        Path file = Files.write(dir.resolve("broken-" + System.nanoTime() + ".gguf"), bytes);
        GgufFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                assertThrows(GgufFormatException.class, () -> GgufFile.open(file).close()));
        assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        if (field != null) {
            assertEquals(field, e.field(), e.getMessage());
        }
        if (offset >= 0) {
            assertEquals(offset, e.offset(), e.getMessage());
        }
        for (String p : phrases) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
        return e;
    }

    private static byte[] with(Consumer<ByteBuffer> change) {
        byte[] copy = original.clone();
        change.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }

    private static int at(String field) {
        return (int) layout.at(field);
    }

    @Test
    void wrongMagic() throws Exception {
        refuse(with(b -> b.put(0, (byte) 'X')), "magic", 0, "not a GGUF file");
        refuse("GGML and more text".getBytes(), "magic", 0, "not a GGUF file");
    }

    @Test
    void unsupportedVersions() throws Exception {
        refuse(with(b -> b.putInt(4, 1)), "version", 4, "unsupported GGUF version 1");
        refuse(with(b -> b.putInt(4, 4)), "version", 4, "unsupported GGUF version 4");
        refuse(with(b -> b.putInt(4, Integer.reverseBytes(3))), "version", 4, "big-endian");
    }

    @Test
    void emptyAndTinyFiles() throws Exception {
        refuse(new byte[0], "magic", 0, "truncated");
        refuse(Arrays.copyOf(original, 3), "magic", 0, "truncated");
        refuse(Arrays.copyOf(original, 6), "version", 4, "truncated");
    }

    @Test
    void truncatedAnywhereInTheHeader() throws Exception {
        for (int end = 8; end < layout.headerEnd; end += 97) {
            GgufFormatException e = refuse(Arrays.copyOf(original, end), null, -1, "truncated");
            assertTrue(e.offset() <= end, "offset " + e.offset() + " within the " + end + " bytes");
        }
        // Cut exactly at each field boundary of the first tensor info.
        for (String field : new String[] {"tensor[0].name", "tensor[0].ndims", "tensor[0].type", "tensor[0].offset"}) {
            refuse(Arrays.copyOf(original, at(field)), null, at(field), "truncated");
        }
    }

    @Test
    void truncatedInTheDataSection() throws Exception {
        for (int cut : new int[] {1, 100, 100_000, 600_000}) {
            GgufFormatException e = refuse(Arrays.copyOf(original, original.length - cut), null, -1,
                    "runs past the end of the file");
            assertTrue(e.field().startsWith("tensor['") && e.field().endsWith("'].offset"), e.field());
        }
    }

    @Test
    void absurdCounts() throws Exception {
        refuse(with(b -> b.putLong(8, 1L << 62)), "tensor_count", 8, "impossible");
        refuse(with(b -> b.putLong(16, 1L << 62)), "metadata_kv_count", 16, "impossible");
        refuse(with(b -> b.putLong(16, -1L)), "metadata_kv_count", 16, "18446744073709551615");
        int tokens = at("kv['tokenizer.ggml.tokens'].value");
        refuse(with(b -> b.putLong(tokens + 4, 1L << 40)), "metadata['tokenizer.ggml.tokens'].count", tokens + 4,
                "impossible");
    }

    @Test
    void absurdStringLengths() throws Exception {
        int key = at("kv[0].key");
        refuse(with(b -> b.putLong(key, 1L << 60)), "metadata[0].key", key, "string length");
        int name = at("kv['general.name'].value");
        refuse(with(b -> b.putLong(name, Long.MAX_VALUE)), "metadata['general.name']", name, "string length");
        int tname = at("tensor[0].name");
        refuse(with(b -> b.putLong(tname, 1L << 50)), "tensor[0].name", tname, "string length");
    }

    @Test
    void unknownTypes() throws Exception {
        int type = at("kv['general.name'].type");
        refuse(with(b -> b.putInt(type, 99)), "metadata['general.name'].type", type, "unknown metadata value type 99");
        int elem = at("kv['tokenizer.ggml.tokens'].value");
        refuse(with(b -> b.putInt(elem, 13)), "metadata['tokenizer.ggml.tokens'].element_type", elem,
                "unknown metadata value type 13");
        int ttype = at("tensor[0].type");
        refuse(with(b -> b.putInt(ttype, 99)), "tensor['token_embd.weight'].type", ttype, "unknown tensor type 99");
    }

    @Test
    void badDimensions() throws Exception {
        int ndims = at("tensor[0].ndims");
        refuse(with(b -> b.putInt(ndims, 0)), "tensor['token_embd.weight'].n_dims", ndims, "0 dimensions");
        refuse(with(b -> b.putInt(ndims, 5)), "tensor['token_embd.weight'].n_dims", ndims, "5 dimensions");
        int ne1 = at("tensor[0].ne[1]");
        refuse(with(b -> b.putLong(ne1, -7)), "tensor['token_embd.weight'].ne[1]", ne1, "out of range");
        refuse(with(b -> b.putLong(ne1, Long.MAX_VALUE / 3)), "tensor['token_embd.weight'].ne[1]", ne1, "overflows");
        // Huge but not overflowing: the data would run past the end of the file.
        refuse(with(b -> b.putLong(ne1, 1L << 40)), null, -1, "runs past the end of the file");
    }

    @Test
    void rowLengthNotAMultipleOfTheBlock() throws Exception {
        int type = at("tensor[0].type");
        // token_embd is [64, 512]; as Q4_K (blocks of 256) its rows cannot be cut into blocks.
        refuse(with(b -> b.putInt(type, 12)), "tensor['token_embd.weight'].ne[0]", -1, "not a multiple", "Q4_K");
    }

    @Test
    void misalignedOrOutOfRangeOffsets() throws Exception {
        int off = at("tensor[1].offset");
        refuse(with(b -> b.putLong(off, b.getLong(off) + 4)), "tensor['output_norm.weight'].offset", off,
                "not a multiple of the alignment 32");
        refuse(with(b -> b.putLong(off, 1L << 40)), "tensor['output_norm.weight'].offset", at("tensor[1].name"),
                "runs past the end of the file");
    }

    @Test
    void duplicates() throws Exception {
        // Rename the second key to the first one (same length, so the layout stays intact).
        byte[] dupKey = original.clone();
        String k0 = key(0);
        String k1 = key(1);
        if (k0.length() == k1.length()) {
            System.arraycopy(k0.getBytes(), 0, dupKey, at("kv[1].key") + 8, k0.length());
            refuse(dupKey, "metadata[1].key", at("kv[1].key"), "duplicate metadata key");
        }
        // blk.0.attn_q.weight and blk.0.attn_k.weight have the same length.
        int second = findTensor("blk.0.attn_k.weight");
        byte[] dupTensor = original.clone();
        System.arraycopy("blk.0.attn_q.weight".getBytes(), 0, dupTensor, at("tensor[" + second + "].name") + 8, 19);
        refuse(dupTensor, "tensor[" + second + "].name", at("tensor[" + second + "].name"), "duplicate tensor name");
    }

    @Test
    void badAlignment(@TempDir Path tmp) throws Exception {
        // Our writer refuses such values, so write them under a look-alike key and rename it.
        for (GgufValue bad : new GgufValue[] {GgufValue.ofUInt32(48), GgufValue.ofUInt32(0), GgufValue.ofString("32"),
                GgufValue.ofInt32(32)}) {
            byte[] file = writeWith(tmp, "general.alignmenX", bad);
            int at = (int) new HeaderLayout(file).at("kv['general.alignmenX'].type");
            file[at - 1] = 't';
            refuse(file, "general.alignment", -1, "power-of-two UINT32");
        }
    }

    @Test
    void deepNestingAndBadBooleans(@TempDir Path tmp) throws Exception {
        GgufValue.GgufArray a = new GgufValue.GgufArray(GgufValueType.INT32, new int[] {1});
        for (int i = 0; i < 100; i++) {
            a = new GgufValue.GgufArray(GgufValueType.ARRAY, new GgufValue.GgufArray[] {a});
        }
        refuse(writeWith(tmp, "deep", GgufValue.ofArray(a)), null, -1, "nested deeper than");

        byte[] b = writeWith(tmp, "flag", GgufValue.ofBool(true));
        HeaderLayout l = new HeaderLayout(b);
        int at = (int) l.at("kv['flag'].value");
        b[at] = 7;
        refuse(b, "metadata['flag']", at, "boolean byte is 7");
    }

    private static byte[] writeWith(Path tmp, String key, GgufValue value) throws Exception {
        Path p = tmp.resolve("w-" + System.nanoTime() + ".gguf");
        new GgufWriter().put("general.architecture", GgufValue.ofString("llama")).put(key, value)
                .addTensor("t", org.llmexplorer.engine.tensor.GgmlType.F32, new long[] {4},
                        GgufWriter.TensorSource.ofFloats(new float[] {1, 2, 3, 4}))
                .write(p);
        return Files.readAllBytes(p);
    }

    private static String key(int i) {
        ByteBuffer b = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        int at = at("kv[" + i + "].key");
        int len = (int) b.getLong(at);
        return new String(original, at + 8, len);
    }

    private static int findTensor(String name) {
        ByteBuffer b = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; ; i++) {
            int at = at("tensor[" + i + "].name");
            int len = (int) b.getLong(at);
            if (new String(original, at + 8, len).equals(name)) {
                return i;
            }
        }
    }
}
