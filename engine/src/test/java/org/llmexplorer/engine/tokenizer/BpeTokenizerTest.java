package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufValueType;
import org.llmexplorer.engine.gguf.GgufWriter;

/** Small hand-made BPE vocabularies: merge order, whole-word tokens, byte fallback, pieces, refused files. */
class BpeTokenizerTest {
    private static final String[] TOKENS = {"a", "b", "c", "x", "y", "ab", "bc", "abc", "Ġ", "Ġa", "a€"};

    private static BpeTokenizer tokenizer(String pre, String... merges) {
        TokenType[] types = new TokenType[TOKENS.length];
        Arrays.fill(types, TokenType.NORMAL);
        Vocabulary.Extras extras = new Vocabulary.Extras(Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE,
                Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, "", pre);
        return new BpeTokenizer(new Vocabulary("gpt2", TOKENS, new float[TOKENS.length], types, Vocabulary.NONE,
                Vocabulary.NONE, Vocabulary.NONE, false, false, false, extras, merges));
    }

    private static int[] ids(String... texts) {
        return Arrays.stream(texts).mapToInt(t -> Arrays.asList(TOKENS).indexOf(t)).toArray();
    }

    @Test
    void lowestRankMergesFirst() {
        assertArrayEquals(ids("a", "bc"), tokenizer("gpt-2", "b c", "a b", "ab c").encode("abc", false, false));
        assertArrayEquals(ids("abc"), tokenizer("gpt-2", "a b", "b c", "ab c").encode("abc", false, false));
        assertArrayEquals(ids("Ġa", "b"), tokenizer("gpt-2", "Ġ a").encode(" ab", false, false));
    }

    @Test
    void llama3TakesWholeWordTokensWithoutMerging() {
        assertArrayEquals(ids("abc"), tokenizer("llama-bpe", "b c").encode("abc", false, false));
        assertArrayEquals(ids("a", "bc"), tokenizer("gpt-2", "b c").encode("abc", false, false));
    }

    @Test
    void symbolsThatAreNoTokensFallBackToSingleByteTokens() {
        // "x y" merges but "xy" is no token: its two ASCII bytes are. "é" has no token, nor has any of its bytes.
        assertArrayEquals(ids("x", "y"), tokenizer("gpt-2", "x y").encode("xy", false, false));
        assertArrayEquals(new int[0], tokenizer("gpt-2").encode("\u00E9", false, false));
    }

    @Test
    void piecesOutsideTheByteAlphabetAreMarkedAsLlamaCppMarksThem() {
        BpeTokenizer t = tokenizer("gpt-2");
        assertEquals(" a", new String(t.piece(Arrays.asList(TOKENS).indexOf("Ġa"), false), StandardCharsets.UTF_8));
        assertEquals("a[UNK_BYTE_0xe282aca€]",
                new String(t.piece(Arrays.asList(TOKENS).indexOf("a€"), false), StandardCharsets.UTF_8));
    }

    @Test
    void unsupportedFilesAreRefusedClearly(@TempDir Path dir) throws Exception {
        GgufFormatException pre = assertThrows(GgufFormatException.class,
                () -> fromFile(dir.resolve("tekken.gguf"), "gpt2", "tekken", true));
        assertEquals("tokenizer.ggml.pre", pre.field());
        assertTrue(pre.getMessage().contains("'tekken'") && pre.getMessage().contains("llama-bpe"), pre.getMessage());

        GgufFormatException merges = assertThrows(GgufFormatException.class,
                () -> fromFile(dir.resolve("nomerges.gguf"), "gpt2", "gpt-2", false));
        assertEquals("tokenizer.ggml.merges", merges.field());

        GgufFormatException model = assertThrows(GgufFormatException.class,
                () -> fromFile(dir.resolve("bert.gguf"), "bert", "", false));
        assertTrue(model.getMessage().contains("'bert'"), model.getMessage());
    }

    private static void fromFile(Path path, String model, String pre, boolean withMerges) throws Exception {
        GgufWriter w = new GgufWriter().put("general.architecture", GgufValue.ofString("llama"))
                .put("tokenizer.ggml.model", GgufValue.ofString(model))
                .put("tokenizer.ggml.pre", GgufValue.ofString(pre))
                .put("tokenizer.ggml.tokens", strings(TOKENS));
        if (withMerges) {
            w.put("tokenizer.ggml.merges", strings("a b"));
        }
        w.write(path);
        try (GgufFile f = GgufFile.open(path)) {
            Tokenizer.from(f);
        }
    }

    private static GgufValue strings(String... values) {
        return GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, values));
    }
}
