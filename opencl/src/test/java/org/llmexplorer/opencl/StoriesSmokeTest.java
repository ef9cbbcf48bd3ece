package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;

class StoriesSmokeTest {
    @Test
    void greedy() throws Exception {
        JsonNode c = Shared.json("reference/stories260K-greedy.json").get("cases").get(0);
        int[] expected = Shared.ints(c.get("generated_token_ids"));
        try (Model model = Model.open(Shared.path("models/stories260K.gguf")); OpenClCompute ops = TestDevice.compute()) {
            int[] prompt = model.tokenizer().encode(c.get("prompt").asText(), true, true);
            GenerationResult r = new Generator(model, ops, prompt.length + expected.length)
                    .generate(prompt, expected.length, Sampler.greedy(), 0, null, null);
            System.out.println(r.text());
            assertArrayEquals(expected, r.generatedIds());
        }
    }
}
