package org.llmexplorer.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.generate.GeneratedToken;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/**
 * The response objects in OpenAI's shapes: chat completions and their chunks, text completions
 * and theirs, log-probabilities (the chat form, and the older completions form), usage, errors;
 * with our extension {@code llmx_stages} where a request asked for it.
 */
final class OpenAiJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final Tokenizer tokenizer;
    private final String model;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private final boolean chat;

    OpenAiJson(Tokenizer tokenizer, String model, boolean chat) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.chat = chat;
        this.id = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(System.nanoTime())
                + Integer.toHexString(System.identityHashCode(this));
    }

    /** What one choice has produced so far (for a reply that is not streamed). */
    static final class Choice {
        final StringBuilder text = new StringBuilder();
        final List<GeneratedToken> tokens = new ArrayList<>();
        String finish;
    }

    ObjectNode completion(List<Choice> choices, CompletionRequest r, int promptTokens, int completionTokens) {
        ObjectNode root = head(chat ? "chat.completion" : "text_completion");
        ArrayNode cs = root.putArray("choices");
        for (int i = 0; i < choices.size(); i++) {
            Choice c = choices.get(i);
            ObjectNode o = cs.addObject();
            o.put("index", i);
            if (chat) {
                ObjectNode m = o.putObject("message");
                m.put("role", "assistant");
                m.put("content", c.text.toString());
                m.putNull("refusal");
            } else {
                o.put("text", c.text.toString());
            }
            logprobs(o, c.tokens, r, 0);
            o.put("finish_reason", c.finish);
            stages(o, c.tokens, r);
        }
        root.set("usage", usage(promptTokens, completionTokens));
        return root;
    }

    /** A streamed piece of choice {@code index}; {@code first} adds the assistant's role (chat). */
    ObjectNode chunk(int index, String text, GeneratedToken token, boolean first, CompletionRequest r, int textOffset) {
        ObjectNode root = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode o = root.putArray("choices").addObject();
        o.put("index", index);
        if (chat) {
            ObjectNode d = o.putObject("delta");
            if (first) {
                d.put("role", "assistant");
            }
            d.put("content", text);
        } else {
            o.put("text", text);
        }
        logprobs(o, token == null ? List.of() : List.of(token), r, textOffset);
        o.putNull("finish_reason");
        stages(o, token == null ? List.of() : List.of(token), r);
        return root;
    }

    ObjectNode finish(int index, String reason) {
        ObjectNode root = head(chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode o = root.putArray("choices").addObject();
        o.put("index", index);
        if (chat) {
            o.putObject("delta");
        } else {
            o.put("text", "");
        }
        o.putNull("logprobs");
        o.put("finish_reason", reason);
        return root;
    }

    ObjectNode usageChunk(int promptTokens, int completionTokens) {
        ObjectNode root = head(chat ? "chat.completion.chunk" : "text_completion");
        root.putArray("choices");
        root.set("usage", usage(promptTokens, completionTokens));
        return root;
    }

    private ObjectNode head(String object) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        root.put("system_fingerprint", "llmx");
        return root;
    }

    static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = MAPPER.createObjectNode();
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        return u;
    }

    private void logprobs(ObjectNode choice, List<GeneratedToken> tokens, CompletionRequest r, int textOffset) {
        if (r.topLogprobs() < 0) {
            choice.putNull("logprobs");
            return;
        }
        ObjectNode lp = choice.putObject("logprobs");
        if (chat) {
            ArrayNode content = lp.putArray("content");
            for (GeneratedToken t : tokens) {
                ObjectNode e = tokenEntry(content.addObject(), t.id(), t.p());
                ArrayNode top = e.putArray("top_logprobs");
                for (TokenProbability a : t.top()) {
                    tokenEntry(top.addObject(), a.id(), a.p());
                }
            }
            lp.putNull("refusal");
        } else {
            ArrayNode texts = lp.putArray("tokens");
            ArrayNode logs = lp.putArray("token_logprobs");
            ArrayNode tops = lp.putArray("top_logprobs");
            ArrayNode offsets = lp.putArray("text_offset");
            int offset = textOffset;
            for (GeneratedToken t : tokens) {
                texts.add(piece(t.id()));
                logs.add(log(t.p()));
                ObjectNode top = tops.addObject();
                for (TokenProbability a : t.top()) {
                    top.put(piece(a.id()), log(a.p()));
                }
                offsets.add(offset);
                offset += t.text().length();
            }
        }
    }

    private ObjectNode tokenEntry(ObjectNode e, int token, double p) {
        byte[] bytes = tokenizer.piece(token, false);
        e.put("token", new String(bytes, StandardCharsets.UTF_8));
        e.put("logprob", log(p));
        ArrayNode b = e.putArray("bytes");
        for (byte x : bytes) {
            b.add(x & 0xFF);
        }
        return e;
    }

    private void stages(ObjectNode choice, List<GeneratedToken> tokens, CompletionRequest r) {
        if (r.stages() <= 0) {
            return;
        }
        ArrayNode perToken = choice.putArray("llmx_stages");
        for (GeneratedToken t : tokens) {
            ArrayNode list = perToken.addArray();
            for (StageReport s : t.stages()) {
                ObjectNode o = list.addObject();
                o.put("stage", s.stage());
                o.put("survivors", s.survivors());
                o.put("entropy_bits", s.entropyBits());
                o.put("chosen_rank", s.chosenRank());
                o.put("chosen_p", s.chosenP());
                ArrayNode top = o.putArray("top");
                for (TokenProbability a : s.top()) {
                    ObjectNode e = top.addObject();
                    e.put("id", a.id());
                    e.put("token", piece(a.id()));
                    e.put("p", a.p());
                }
            }
        }
    }

    private String piece(int token) {
        return new String(tokenizer.piece(token, false), StandardCharsets.UTF_8);
    }

    /** ln p, with -9999 standing for a probability of zero (JSON has no infinity). */
    static double log(double p) {
        return p > 0 ? Math.max(-9999, Math.log(p)) : -9999;
    }

    static ObjectNode error(ApiException e) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode o = root.putObject("error");
        o.put("message", e.getMessage());
        o.put("type", e.type);
        if (e.param == null) {
            o.putNull("param");
        } else {
            o.put("param", e.param);
        }
        if (e.code == null) {
            o.putNull("code");
        } else {
            o.put("code", e.code);
        }
        return root;
    }
}
