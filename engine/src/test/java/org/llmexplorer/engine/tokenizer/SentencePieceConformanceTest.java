package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;

/**
 * Every case of llama.cpp's tokenization of the corpus, for the SentencePiece vocabularies in
 * ../shared/tokenizers: raw (no BOS, no special-token parsing) and with BOS and special parsing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SentencePieceConformanceTest {
    private final Map<String, GgufFile> files = new HashMap<>();
    private final Map<String, Tokenizer> tokenizers = new HashMap<>();

    Tokenizer tokenizer(String name) throws Exception {
        if (!tokenizers.containsKey(name)) {
            GgufFile f = GgufFile.open(Shared.path("tokenizers/" + name + ".gguf"));
            files.put(name, f);
            tokenizers.put(name, Tokenizer.from(f));
        }
        return tokenizers.get(name);
    }

    @AfterAll
    void close() {
        files.values().forEach(GgufFile::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String name : new String[] {"llama_spm", "llama2", "gemma3"}) {
            JsonNode cases = Shared.json("tokenizers/" + name + "-cases.json").get("cases");
            for (int i = 0; i < cases.size(); i++) {
                String text = cases.get(i).get("text").asText();
                String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
                out.add(Arguments.of(name, i, shown.replace("\n", "\\n")));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} #{1} {2}")
    @MethodSource("cases")
    void matchesLlamaCpp(String name, int index, String shown) throws Exception {
        JsonNode c = Shared.json("tokenizers/" + name + "-cases.json").get("cases").get(index);
        String text = c.get("text").asText();
        Tokenizer t = tokenizer(name);
        assertArrayEquals(Shared.ints(c.get("ids_raw")), t.encode(text, false, false), "raw");
        assertArrayEquals(Shared.ints(c.get("ids_special_bos")), t.encode(text, true, true), "with BOS and specials");
    }
}
