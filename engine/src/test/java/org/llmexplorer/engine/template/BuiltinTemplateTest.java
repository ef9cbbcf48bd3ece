package org.llmexplorer.engine.template;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.tokenizer.TokenType;
import org.llmexplorer.engine.tokenizer.Vocabulary;

/** The fallback templates: which family a file without a template gets, and what each renders. */
class BuiltinTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(ChatMessage.of("system", "S"), ChatMessage.of("user", "U1"),
            ChatMessage.of("assistant", "A1"), ChatMessage.of("user", "U2"));

    static Vocabulary vocabulary(String model, String... tokens) {
        String[] all = new String[tokens.length + 3];
        all[0] = "<unk>";
        all[1] = "<s>";
        all[2] = "</s>";
        System.arraycopy(tokens, 0, all, 3, tokens.length);
        TokenType[] types = new TokenType[all.length];
        Arrays.fill(types, TokenType.NORMAL);
        return new Vocabulary(model, all, new float[all.length], types, 1, 2, 0, true, false, true);
    }

    @Test
    void theFamilyIsChosenByTurnTokensThenByArchitecture() {
        assertEquals(BuiltinTemplate.LLAMA3, BuiltinTemplate.choose("llama", vocabulary("gpt2", "<|start_header_id|>", "<|eot_id|>")));
        assertEquals(BuiltinTemplate.CHATML, BuiltinTemplate.choose("llama", vocabulary("gpt2", "<|im_start|>", "<|im_end|>")));
        assertEquals(BuiltinTemplate.GEMMA, BuiltinTemplate.choose("gemma3", vocabulary("llama", "<start_of_turn>")));
        assertEquals(BuiltinTemplate.PHI3, BuiltinTemplate.choose("phi3", vocabulary("llama", "<|user|>", "<|end|>")));
        assertEquals(BuiltinTemplate.LLAMA2, BuiltinTemplate.choose("llama", vocabulary("llama", "[INST]", "[/INST]")));
        assertEquals(BuiltinTemplate.GEMMA, BuiltinTemplate.choose("gemma2", vocabulary("llama")));
        assertEquals(BuiltinTemplate.PHI3, BuiltinTemplate.choose("phi3", vocabulary("llama")));
        assertEquals(BuiltinTemplate.LLAMA2, BuiltinTemplate.choose("llama", vocabulary("llama")));
        assertEquals(BuiltinTemplate.CHATML, BuiltinTemplate.choose("gpt2", vocabulary("gpt2")));
    }

    @Test
    void aFileWithoutATemplateGetsItsFamilysBuiltIn() throws Exception {
        try (GgufFile file = GgufFile.open(Shared.path("tokenizers/llama_spm.gguf"))) {
            ChatTemplate t = ChatTemplate.of(file);
            assertEquals(Optional.of(BuiltinTemplate.LLAMA2), t.builtin());
            assertEquals("built-in llama2", t.origin());
            assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>"), t.specialTokens());
            assertArrayEquals(new int[] {2}, t.endOfTurnTokens());
            assertEquals("<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU1 [/INST] A1 </s><s>[INST] U2 [/INST]",
                    t.render(CHAT, true, Map.of()));
        }
        try (GgufFile file = GgufFile.open(Shared.path("tokenizers/gpt2.gguf"))) {
            ChatTemplate t = ChatTemplate.of(file);
            assertEquals(Optional.of(BuiltinTemplate.CHATML), t.builtin());
            assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                    t.render(List.of(ChatMessage.of("user", "Hi")), true, null));
        }
    }

    /** On plain conversations the built-ins render exactly what the families' own templates render. */
    @Test
    void builtInsMatchTheFamiliesOwnTemplatesOnPlainConversations() {
        Map<String, BuiltinTemplate> families = Map.of("llama3_1", BuiltinTemplate.LLAMA3, "gemma3", BuiltinTemplate.GEMMA,
                "qwen3", BuiltinTemplate.CHATML);
        Set<String> plain = Set.of("a_single_user", "b_system_user", "c_multi_turn", "c2_multi_turn_no_system",
                "e_special_chars");
        int checked = 0;
        for (JsonNode c : Shared.json("tokenizers/chat-templates.json").get("cases")) {
            BuiltinTemplate family = families.get(c.get("tokenizer").asText());
            if (family == null || !plain.contains(c.get("conversation").asText())) {
                continue;
            }
            ChatTemplate builtin = ChatTemplate.of(family, ChatTemplateConformanceTest.template(
                    c.get("tokenizer").asText()).specialTokens());
            assertEquals(c.get("rendered").asText(), builtin.render(JsonValues.messages(c.get("messages")),
                    c.get("add_generation_prompt").asBoolean(), Map.of()), c.get("id").asText());
            checked++;
        }
        assertTrue(checked >= 20, checked + " cases compared");
    }

    @Test
    void eachBuiltInRendersItsFormat() {
        Map<String, String> tokens = Map.of("bos_token", "<B>", "eos_token", "<E>");
        assertEquals("<B><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|><|start_header_id|>user<|end_header_id|>"
                + "\n\nU1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nA1<|eot_id|><|start_header_id|>user"
                + "<|end_header_id|>\n\nU2<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                ChatTemplate.of(BuiltinTemplate.LLAMA3, tokens).render(CHAT, true, null));
        assertEquals("<B><start_of_turn>user\nS\n\nU1<end_of_turn>\n<start_of_turn>model\nA1<end_of_turn>\n"
                + "<start_of_turn>user\nU2<end_of_turn>\n<start_of_turn>model\n",
                ChatTemplate.of(BuiltinTemplate.GEMMA, tokens).render(CHAT, true, null));
        assertEquals("<|system|>\nS<|end|>\n<|user|>\nU1<|end|>\n<|assistant|>\nA1<|end|>\n<|user|>\nU2<|end|>\n<E>",
                ChatTemplate.of(BuiltinTemplate.PHI3, tokens).render(CHAT, false, null));
        assertEquals("<|system|>\nS<|end|>\n<|user|>\nU1<|end|>\n<|assistant|>\n",
                ChatTemplate.of(BuiltinTemplate.PHI3, tokens).render(CHAT.subList(0, 2), true, null));
    }

    @Test
    void contentMayBeAListOfPartsOrNull() {
        ChatMessage parts = new ChatMessage(Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "a"),
                Map.of("type", "image"), Map.of("type", "text", "text", "b"))));
        ChatMessage toolCall = ChatMessage.of("assistant", null).with("tool_calls", List.of());
        assertEquals("<|im_start|>user\nab<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n",
                ChatTemplate.of(BuiltinTemplate.CHATML, Map.of()).render(List.of(parts, toolCall), false, null));
    }
}
