package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of llama.cpp's tokenization of the corpus, for the byte-level BPE vocabularies in ../shared/tokenizers:
 * raw (no BOS, no special-token parsing) and with BOS and special parsing; and the raw ids decode to the text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BpeConformanceTest {
    private static final String[] NAMES = {"llama3_1", "qwen3", "deepseek_v3", "gpt2"};

    private final TokenizerFixtures fixtures = new TokenizerFixtures();

    @AfterAll
    void close() {
        fixtures.close();
    }

    static Stream<Arguments> cases() {
        return TokenizerFixtures.cases(NAMES);
    }

    @ParameterizedTest(name = "{0} #{1} {2}")
    @MethodSource("cases")
    void matchesLlamaCpp(String name, int index, String shown) throws Exception {
        int[] raw = fixtures.assertMatchesLlamaCpp(name, index);
        // Byte-level BPE loses nothing: every byte has a token, and without special parsing only normal and
        // user-defined tokens come out, whose pieces are their text.
        String text = TokenizerFixtures.cases(name).get(index).get("text").asText();
        assertEquals(text, fixtures.tokenizer(name).decode(raw), "decoded");
    }

    static Stream<String> names() {
        return Stream.of(NAMES);
    }

    @ParameterizedTest
    @MethodSource("names")
    void vocabularyIsReadAsLlamaCppReadsIt(String name) throws Exception {
        Vocabulary v = fixtures.tokenizer(name).vocabulary();
        assertEquals("gpt2", v.model());
        switch (name) {
            case "llama3_1" -> {
                assertEquals(128000, v.bos());
                assertTrue(v.addBos(), "llama-bpe adds BOS when add_bos_token is absent");
                assertEquals(280147, v.mergeCount());
            }
            case "qwen3" -> {
                assertEquals(11, v.bos(), "BPE's default BOS where the file names none");
                assertTrue(!v.addBos());
            }
            case "gpt2" -> assertTrue(!v.addBos(), "gpt-2 does not add BOS when add_bos_token is absent");
            default -> assertTrue(v.addBos());
        }
    }

    @Test
    void piecesFollowTokenTypes() throws Exception {
        Tokenizer t = fixtures.tokenizer("qwen3");
        Vocabulary v = t.vocabulary();
        int imStart = v.id("<|im_start|>");
        assertEquals(TokenType.CONTROL, v.type(imStart));
        assertEquals(0, t.piece(imStart, false).length, "control tokens only with special");
        assertEquals("<|im_start|>", new String(t.piece(imStart, true), java.nio.charset.StandardCharsets.UTF_8));
        int think = v.id("<think>");
        assertEquals(TokenType.USER_DEFINED, v.type(think));
        assertEquals("<think>", new String(t.piece(think, false), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(0, t.piece(v.id("[PAD151700]"), true).length, "unused padding tokens are nothing");
        assertEquals(" hello", new String(t.piece(v.id("Ġhello"), false), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void tenKilobytesTokenizeQuickly() throws Exception {
        Tokenizer t = fixtures.tokenizer("llama3_1");
        StringBuilder sb = new StringBuilder();
        JsonNode cases = TokenizerFixtures.cases("llama3_1");
        for (int i = 0; sb.length() < 10_000; i = (i + 1) % cases.size()) {
            sb.append(cases.get(i).get("text").asText()).append('\n');
        }
        String text = sb.toString();
        t.encode(text, true, true); // warm up
        long start = System.nanoTime();
        int[] ids = t.encode(text, true, true);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(ids.length > 1000);
        assertTrue(seconds < 0.5, "10 KB took " + seconds + " s");
    }
}
