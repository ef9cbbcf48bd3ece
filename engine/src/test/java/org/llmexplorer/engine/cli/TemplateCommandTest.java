package org.llmexplorer.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmexplorer.engine.cli.LlmxCliTest.llmx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;

/** {@code llmx template} on the chat-template fixtures: text and JSON output, errors, extra variables. */
class TemplateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode reference(String id) {
        for (JsonNode c : Shared.json("tokenizers/chat-templates.json").get("cases")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new IllegalArgumentException(id);
    }

    static String model(JsonNode c) {
        return Shared.path("tokenizers/" + c.get("tokenizer").asText() + ".gguf").toString();
    }

    /** The reference case's input as the object form: messages, tools and the extra variables. */
    static Path objectFile(Path dir, JsonNode c) throws Exception {
        ObjectNode input = JSON.createObjectNode();
        input.set("messages", c.get("messages"));
        input.set("tools", c.get("tools"));
        input.setAll((ObjectNode) c.get("extra_context"));
        Path file = dir.resolve("input.json");
        Files.writeString(file, JSON.writeValueAsString(input));
        return file;
    }

    @Test
    void printsTheRenderedTextExactly(@TempDir Path dir) throws Exception {
        JsonNode c = reference("qwen3/l_tools/agp=true");
        LlmxCliTest.Run r = llmx("template", "--model", model(c), "--messages", objectFile(dir, c).toString(),
                "--add-generation-prompt");
        assertEquals(0, r.status(), r.err());
        assertEquals(c.get("rendered").asText(), r.out());
    }

    @Test
    void jsonCarriesTheRenderingAndTheEndOfTurnTokens(@TempDir Path dir) throws Exception {
        JsonNode c = reference("llama3_1/c_multi_turn/agp=true");
        Path array = dir.resolve("messages.json");
        Files.writeString(array, JSON.writeValueAsString(c.get("messages")));
        LlmxCliTest.Run r = llmx("template", "--model", model(c), "--messages", array.toString(),
                "--add-generation-prompt", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals(c.get("rendered").asText(), j.get("rendered").asText());
        assertEquals("tokenizer.chat_template", j.get("template").asText());
        boolean eot = false;
        for (JsonNode id : j.get("end_of_turn_tokens")) {
            eot |= id.asInt() == 128009;
        }
        assertTrue(eot, "<|eot_id|> ends a turn");
    }

    @Test
    void extraVariablesReachTheTemplate(@TempDir Path dir) throws Exception {
        JsonNode c = reference("qwen3/k4_enable_thinking_false/agp=true");
        LlmxCliTest.Run r = llmx("template", "--model", model(c), "--messages", objectFile(dir, c).toString(),
                "--add-generation-prompt", "--json");
        assertEquals(c.get("rendered").asText(), r.json().get("rendered").asText());
    }

    @Test
    void theTemplatesOwnErrorMessage(@TempDir Path dir) throws Exception {
        JsonNode c = reference("gemma3/i_user_user/agp=true");
        String file = objectFile(dir, c).toString();
        LlmxCliTest.Run text = llmx("template", "--model", model(c), "--messages", file, "--add-generation-prompt");
        assertEquals(1, text.status());
        assertEquals("", text.out());
        assertEquals("llmx template: error: " + c.get("error").asText() + "\n", text.err());
        LlmxCliTest.Run json = llmx("template", "--model", model(c), "--messages", file, "--add-generation-prompt",
                "--json");
        assertEquals(0, json.status(), json.err());
        assertEquals(c.get("error").asText(), json.json().get("error").asText());
    }

    @Test
    void aFileWithoutATemplateUsesTheBuiltIn(@TempDir Path dir) throws Exception {
        Path array = dir.resolve("m.json");
        Files.writeString(array, "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        LlmxCliTest.Run r = llmx("template", "--model", Shared.path("tokenizers/gpt2.gguf").toString(),
                "--messages", array.toString(), "--json");
        assertEquals("built-in chatml", r.json().get("template").asText());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", r.json().get("rendered").asText());
    }

    @Test
    void badInput(@TempDir Path dir) throws Exception {
        assertEquals(2, llmx("template", "--model", "x.gguf").status(), "--messages is required");
        Path wrong = dir.resolve("wrong.json");
        Files.writeString(wrong, "{\"role\": \"user\"}");
        LlmxCliTest.Run r = llmx("template", "--model", Shared.path("tokenizers/gpt2.gguf").toString(),
                "--messages", wrong.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("expected a JSON array of messages"), r.err());
    }
}
