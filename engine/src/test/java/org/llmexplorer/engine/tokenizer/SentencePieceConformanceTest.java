package org.llmexplorer.engine.tokenizer;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of llama.cpp's tokenization of the corpus, for the SentencePiece vocabularies in
 * ../shared/tokenizers: raw (no BOS, no special-token parsing) and with BOS and special parsing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SentencePieceConformanceTest {
    private final TokenizerFixtures fixtures = new TokenizerFixtures();

    @AfterAll
    void close() {
        fixtures.close();
    }

    static Stream<Arguments> cases() {
        return TokenizerFixtures.cases("llama_spm", "llama2", "gemma3");
    }

    @ParameterizedTest(name = "{0} #{1} {2}")
    @MethodSource("cases")
    void matchesLlamaCpp(String name, int index, String shown) throws Exception {
        fixtures.assertMatchesLlamaCpp(name, index);
    }
}
