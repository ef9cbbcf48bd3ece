package org.llmexplorer.engine.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/**
 * Where each token of the transcript comes from: on real tokenizers (SentencePiece and
 * byte-level BPE), as plain text and rendered by real chat templates, every character of every
 * message belongs to exactly one token, in order, and the template's own text to none.
 */
class TranscriptTest {
    static final List<Message> CONVERSATION = List.of(
            Message.user("Hello there, how are you?"),
            new Message("assistant", "I am fine. Thanks!\nAnd you?", List.of()),
            Message.user("Tell me about ünïcödé 🎉 and   spaces."));

    @ParameterizedTest
    @CsvSource({"models/stories260K.gguf, false", "tokenizers/llama_spm.gguf, false", "tokenizers/gpt2.gguf, false",
        "tokenizers/qwen3.gguf, true", "tokenizers/llama3_1.gguf, true", "tokenizers/gemma3.gguf, true",
        "tokenizers/deepseek_v3.gguf, true"})
    void everyCharacterOfEveryMessageBelongsToOneTokenInOrder(String file, boolean withTemplate) throws Exception {
        try (GgufFile f = GgufFile.open(Shared.path(file))) {
            Tokenizer tokenizer = Tokenizer.from(f);
            ChatTemplate template = withTemplate ? ChatTemplate.of(f) : null;
            Transcript t = new Transcript(tokenizer, template, withTemplate ? "Be brief." : "");
            int[] tokens = t.tokens(CONVERSATION);
            TokenSpan[] spans = t.spans(CONVERSATION, tokens);
            assertEquals(tokens.length, spans.length);
            for (int m = 0; m < CONVERSATION.size(); m++) {
                String text = CONVERSATION.get(m).text();
                int covered = 0;
                StringBuilder pieces = new StringBuilder();
                for (int i = 0; i < spans.length; i++) {
                    TokenSpan s = spans[i];
                    if (s.message() != m || s.end() == s.start()) {
                        continue;
                    }
                    assertEquals(covered, s.start(), file + ": message " + m + " token " + i + " starts where the last ended");
                    covered = s.end();
                    pieces.append(text, s.start(), s.end());
                }
                assertEquals(text.length(), covered, file + ": message " + m + " covered to its end");
                assertEquals(text, pieces.toString());
            }
            // The tokens given to no message are the template's: BOS, turn markers, the system prompt.
            StringBuilder outside = new StringBuilder();
            for (int i = 0; i < spans.length; i++) {
                if (spans[i].message() < 0) {
                    outside.append(new String(tokenizer.piece(tokens[i], true), StandardCharsets.UTF_8));
                }
            }
            for (Message msg : CONVERSATION) {
                assertTrue(!outside.toString().contains(msg.text().strip()), file + ": " + outside);
            }
            if (withTemplate) {
                assertTrue(outside.toString().contains("Be brief."), file + ": system prompt outside the messages");
            }
        }
    }
}
