package org.llmexplorer.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;

/**
 * Every conversation of {@code tokenizers/chat-templates.json} rendered with the template stored in its GGUF file,
 * byte for byte as Hugging Face renders it; where the reference failed, the same message.
 */
class ChatTemplateConformanceTest {
    private static final JsonNode CASES = Shared.json("tokenizers/chat-templates.json");
    private static final Map<String, ChatTemplate> TEMPLATES = new HashMap<>();

    static synchronized ChatTemplate template(String tokenizer) {
        return TEMPLATES.computeIfAbsent(tokenizer, name -> {
            try (GgufFile file = GgufFile.open(Shared.path("tokenizers/" + name + ".gguf"))) {
                return ChatTemplate.of(file);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> extraContext(JsonNode c) {
        Map<String, Object> extra = new LinkedHashMap<>((Map<String, Object>) JsonValues.toJava(c.get("extra_context")));
        extra.put("tools", JsonValues.toJava(c.get("tools")));
        return extra;
    }

    @TestFactory
    Stream<DynamicTest> everyCaseRendersAsHuggingFace() {
        return StreamSupport.stream(CASES.get("cases").spliterator(), false).map(c -> DynamicTest.dynamicTest(
                c.get("id").asText(), () -> {
                    ChatTemplate template = template(c.get("tokenizer").asText());
                    List<ChatMessage> messages = JsonValues.messages(c.get("messages"));
                    boolean agp = c.get("add_generation_prompt").asBoolean();
                    if (c.get("error").isNull()) {
                        assertEquals(c.get("rendered").asText(), template.render(messages, agp, extraContext(c)));
                    } else {
                        TemplateException e = assertThrows(TemplateException.class,
                                () -> template.render(messages, agp, extraContext(c)));
                        assertEquals(c.get("error").asText(), e.getMessage());
                    }
                }));
    }

    @Test
    void specialTokensComeFromTheVocabularyAsHuggingFaceNamesThem() {
        for (JsonNode c : CASES.get("cases")) {
            Map<String, String> expected = new HashMap<>();
            c.get("special_tokens").properties().forEach(e -> expected.put(e.getKey(), e.getValue().asText()));
            assertEquals(expected, template(c.get("tokenizer").asText()).specialTokens(), c.get("id").asText());
        }
    }

    @Test
    void theTemplatesAreTheOnesTheFixturesDescribe() {
        CASES.get("templates").properties().forEach(e -> {
            ChatTemplate t = template(e.getKey());
            assertEquals(e.getValue().get("chars").asInt(), t.source().length(), e.getKey());
            assertTrue(t.builtin().isEmpty(), e.getKey());
        });
    }

    @Test
    void endOfTurnTokensIncludeEachModelsEndOfTurn() {
        assertTrue(contains(template("llama3_1").endOfTurnTokens(), 128009)); // <|eot_id|>
        assertTrue(contains(template("qwen3").endOfTurnTokens(), 151645)); // <|im_end|>
        assertTrue(contains(template("gemma3").endOfTurnTokens(), 106)); // <end_of_turn>
        assertTrue(contains(template("deepseek_v3").endOfTurnTokens(), 1)); // <｜end▁of▁sentence｜>
    }

    private static boolean contains(int[] ids, int id) {
        return java.util.Arrays.stream(ids).anyMatch(x -> x == id);
    }
}
