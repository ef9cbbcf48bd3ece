package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;

/** The stories model's vocabulary: llama.cpp's ids for the reference prompts and the perplexity text. */
class StoriesTokenizerTest {

    @Test
    void referencePromptsAndPerplexityText() throws Exception {
        try (GgufFile f = GgufFile.open(Shared.path("models/stories260K.gguf"))) {
            Tokenizer t = Tokenizer.from(f);
            for (JsonNode c : Shared.json("reference/stories260K-greedy.json").get("cases")) {
                assertArrayEquals(Shared.ints(c.get("prompt_token_ids")), t.encode(c.get("prompt").asText(), true, true),
                        c.get("prompt").asText());
                // The pieces llama.cpp printed are what we decode each id to.
                JsonNode pieces = c.get("prompt_token_pieces");
                int[] ids = Shared.ints(c.get("prompt_token_ids"));
                for (int i = 1; i < ids.length; i++) {
                    assertEquals(pieces.get(i).asText(), t.decode(new int[] {ids[i]}));
                }
                assertEquals(c.get("generated_text").asText(), t.decode(Shared.ints(c.get("generated_token_ids"))));
            }
            JsonNode ppl = Shared.json("reference/stories260K-perplexity.json");
            String text = Files.readString(Shared.path("reference/" + ppl.get("text_file").asText()));
            assertArrayEquals(Shared.ints(ppl.get("token_ids_with_bos")), t.encode(text, true, true));
        }
    }

    @Test
    void decodingRawIdsGivesTheTextBack() throws Exception {
        try (GgufFile f = GgufFile.open(Shared.path("tokenizers/llama_spm.gguf"))) {
            Tokenizer t = Tokenizer.from(f);
            for (JsonNode c : Shared.json("tokenizers/llama_spm-cases.json").get("cases")) {
                String text = c.get("text").asText();
                if (text.contains("<s>") || text.contains("</s>") || text.contains("<unk>")) {
                    continue; // control-token text decodes to nothing
                }
                // add_space_prefix puts a space in front of the text; decoding keeps it.
                String expected = text.isEmpty() ? "" : " " + text;
                assertEquals(expected, t.decode(Shared.ints(c.get("ids_raw"))), text);
            }
        }
    }
}
