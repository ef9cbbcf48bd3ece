package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;

/** The tokenizer fixtures of ../shared/tokenizers: each vocabulary opened once, and llama.cpp's cases. */
final class TokenizerFixtures implements AutoCloseable {
    private final Map<String, GgufFile> files = new HashMap<>();
    private final Map<String, Tokenizer> tokenizers = new HashMap<>();

    synchronized Tokenizer tokenizer(String name) throws Exception {
        if (!tokenizers.containsKey(name)) {
            GgufFile f = GgufFile.open(Shared.path("tokenizers/" + name + ".gguf"));
            files.put(name, f);
            tokenizers.put(name, Tokenizer.from(f));
        }
        return tokenizers.get(name);
    }

    @Override
    public synchronized void close() {
        files.values().forEach(GgufFile::close);
    }

    /** One argument set per case: the vocabulary's name, the case's index and the start of its text to show. */
    static Stream<Arguments> cases(String... names) {
        List<Arguments> out = new ArrayList<>();
        for (String name : names) {
            JsonNode cases = cases(name);
            for (int i = 0; i < cases.size(); i++) {
                String text = cases.get(i).get("text").asText();
                String shown = text.length() > 40 ? text.substring(0, 40) + "..." : text;
                out.add(Arguments.of(name, i, shown.replace("\n", "\\n")));
            }
        }
        return out.stream();
    }

    /**
     * Asserts that the vocabulary's tokenizer gives llama.cpp's ids for one of its cases, raw (no BOS, no special
     * parsing) and with BOS and special parsing; returns the raw ids.
     */
    int[] assertMatchesLlamaCpp(String name, int index) throws Exception {
        JsonNode c = cases(name).get(index);
        String text = c.get("text").asText();
        Tokenizer t = tokenizer(name);
        int[] raw = t.encode(text, false, false);
        assertArrayEquals(Shared.ints(c.get("ids_raw")), raw, "raw");
        assertArrayEquals(Shared.ints(c.get("ids_special_bos")), t.encode(text, true, true), "with BOS and specials");
        return raw;
    }

    /** The cases of a vocabulary: text, ids_raw, ids_special_bos, hf_agrees. */
    static JsonNode cases(String name) {
        return Shared.json("tokenizers/" + name + "-cases.json").get("cases");
    }
}
