package org.llmexplorer.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.session.Message;

/**
 * A {@code /v1/chat/completions} or {@code /v1/completions} request, read and checked: every
 * field of the wrong type or out of range is refused with its name. Unknown fields are ignored,
 * as OpenAI's clients send some (user, metadata) that mean nothing here.
 *
 * <p>Sampling defaults are llama.cpp's (and {@code llmx generate}'s): temperature 0.8, top-k 40,
 * top-p 0.95, min-p 0.05; temperature 0 is greedy.
 *
 * @param messages    chat: the conversation; completions: null
 * @param prompts     completions: each prompt, as text or as token ids; chat: null
 * @param maxTokens   -1 for "until the context is full"
 * @param topLogprobs -1 when no log-probabilities are asked for, else 0..20 alternatives
 * @param stages      our extension {@code llmx_stages}: each sampler stage's N most likely tokens, 0 for none
 */
record CompletionRequest(boolean chat, String model, List<Message> messages, List<Prompt> prompts, int maxTokens,
                         int n, boolean stream, boolean includeUsage, List<String> stop, int topLogprobs,
                         SamplingSettings settings, int stages) {

    static final int MAX_N = 16;
    static final int MAX_TOP_LOGPROBS = 20;

    /** A completion prompt: text, or token ids as OpenAI also accepts. */
    record Prompt(String text, int[] tokens) {
    }

    static CompletionRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        String model = optionalText(body, "model");
        List<Message> messages = chat ? messages(body) : null;
        List<Prompt> prompts = chat ? null : prompts(body);
        int maxTokens = body.has("max_completion_tokens") && !body.get("max_completion_tokens").isNull()
                ? integer(body, "max_completion_tokens", -1, 1, Integer.MAX_VALUE)
                : integer(body, "max_tokens", -1, 1, Integer.MAX_VALUE);
        int n = integer(body, "n", 1, 1, MAX_N);
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ApiException.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = bool(so, "include_usage", false);
        }
        List<String> stop = stop(body);
        int topLogprobs = -1;
        if (chat) {
            if (bool(body, "logprobs", false)) {
                topLogprobs = integer(body, "top_logprobs", 0, 0, MAX_TOP_LOGPROBS);
            } else if (body.hasNonNull("top_logprobs")) {
                throw ApiException.invalid("top_logprobs", "top_logprobs needs logprobs set to true");
            }
        } else if (body.hasNonNull("logprobs")) {
            topLogprobs = integer(body, "logprobs", 0, 0, MAX_TOP_LOGPROBS);
        }
        if (bool(body, "echo", false)) {
            throw ApiException.invalid("echo", "echo is not supported");
        }
        long seed = body.hasNonNull("seed") ? longValue(body, "seed") : System.nanoTime();
        List<String> order = SamplingSettings.DEFAULT_ORDER;
        JsonNode o = body.get("llmx_sampler_order");
        if (o != null && !o.isNull()) {
            if (!o.isArray()) {
                throw ApiException.invalid("llmx_sampler_order", "llmx_sampler_order must be an array of stage names");
            }
            order = new ArrayList<>();
            for (JsonNode s : o) {
                order.add(s.asText());
            }
        }
        SamplingSettings settings;
        try {
            settings = new SamplingSettings(
                    number(body, "temperature", 0.8f, 0f, Float.MAX_VALUE),
                    integer(body, "top_k", 40, 0, Integer.MAX_VALUE),
                    number(body, "top_p", 0.95f, 0f, 1f),
                    number(body, "min_p", 0.05f, 0f, 1f),
                    number(body, "typical_p", 1f, 0f, 1f),
                    number(body, "repeat_penalty", 1f, 0f, Float.MAX_VALUE),
                    integer(body, "repeat_last_n", 64, -1, Integer.MAX_VALUE),
                    number(body, "frequency_penalty", 0f, -2f, 2f),
                    number(body, "presence_penalty", 0f, -2f, 2f),
                    logitBias(body), seed, order);
        } catch (IllegalArgumentException e) { // top_p 0, an unknown stage: the settings' own checks
            throw ApiException.invalid(null, e.getMessage());
        }
        int stages = integer(body, "llmx_stages", 0, 0, MAX_TOP_LOGPROBS);
        return new CompletionRequest(chat, model, messages, prompts, maxTokens, n, stream, includeUsage, stop,
                topLogprobs, settings, stages);
    }

    private static List<Message> messages(JsonNode body) {
        JsonNode m = body.get("messages");
        if (m == null || m.isNull()) {
            throw ApiException.invalid("messages", "messages is required");
        }
        if (!m.isArray() || m.isEmpty()) {
            throw ApiException.invalid("messages", "messages must be a non-empty array");
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            String where = "messages[" + i + "]";
            if (!e.isObject()) {
                throw ApiException.invalid(where, where + " must be an object");
            }
            JsonNode role = e.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiException.invalid(where + ".role", where + ".role must be a string");
            }
            String r = switch (role.asText()) {
                case "system", "developer" -> "system";
                case "user" -> "user";
                case "assistant" -> "assistant";
                default -> throw ApiException.invalid(where + ".role", "role '" + role.asText()
                        + "' is not one of system, developer, user, assistant");
            };
            out.add(new Message(r, content(e.get("content"), where + ".content"), List.of()));
        }
        return out;
    }

    /** A message's content: a string, or an array of parts of which the text parts are joined. */
    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText())) {
                    throw ApiException.invalid(where, where + ": only text parts are supported");
                }
                sb.append(part.path("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid(where, where + " must be a string or an array of text parts");
    }

    private static List<Prompt> prompts(JsonNode body) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            throw ApiException.invalid("prompt", "prompt is required");
        }
        if (p.isTextual()) {
            return List.of(new Prompt(p.asText(), null));
        }
        if (!p.isArray() || p.isEmpty()) {
            throw ApiException.invalid("prompt", "prompt must be a string, an array of strings, or token ids");
        }
        if (p.get(0).isIntegralNumber()) {
            return List.of(new Prompt(null, tokens(p, "prompt")));
        }
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < p.size(); i++) {
            JsonNode e = p.get(i);
            if (e.isTextual()) {
                out.add(new Prompt(e.asText(), null));
            } else if (e.isArray()) {
                out.add(new Prompt(null, tokens(e, "prompt[" + i + "]")));
            } else {
                throw ApiException.invalid("prompt", "prompt[" + i + "] must be a string or an array of token ids");
            }
        }
        if (out.size() > MAX_N) {
            throw ApiException.invalid("prompt", "at most " + MAX_N + " prompts at once");
        }
        return out;
    }

    private static int[] tokens(JsonNode a, String where) {
        int[] t = new int[a.size()];
        for (int i = 0; i < t.length; i++) {
            if (!a.get(i).canConvertToInt()) {
                throw ApiException.invalid("prompt", where + "[" + i + "] must be a token id");
            }
            t[i] = a.get(i).asInt();
        }
        return t;
    }

    private static List<String> stop(JsonNode body) {
        JsonNode s = body.get("stop");
        if (s == null || s.isNull()) {
            return List.of();
        }
        if (s.isTextual()) {
            return List.of(s.asText());
        }
        if (!s.isArray() || s.size() > MAX_N) {
            throw ApiException.invalid("stop", "stop must be a string or an array of at most " + MAX_N + " strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : s) {
            if (!e.isTextual()) {
                throw ApiException.invalid("stop", "stop must contain strings only");
            }
            out.add(e.asText());
        }
        return out;
    }

    /**
     * OpenAI's {@code {"token id": bias}} (bias -100..100; -100 bans the token) or llama.cpp's
     * {@code [[id, bias]]} (false bans it).
     */
    private static Map<Integer, Float> logitBias(JsonNode body) {
        JsonNode b = body.get("logit_bias");
        Map<Integer, Float> out = new HashMap<>();
        if (b == null || b.isNull()) {
            return out;
        }
        if (b.isObject()) {
            for (var it = b.fields(); it.hasNext(); ) {
                var e = it.next();
                int id;
                try {
                    id = Integer.parseInt(e.getKey());
                } catch (NumberFormatException x) {
                    throw ApiException.invalid("logit_bias", "logit_bias keys must be token ids, got '" + e.getKey() + "'");
                }
                out.put(id, bias(e.getValue()));
            }
        } else if (b.isArray()) {
            for (JsonNode pair : b) {
                if (!pair.isArray() || pair.size() != 2 || !pair.get(0).canConvertToInt()) {
                    throw ApiException.invalid("logit_bias", "logit_bias entries must be [token id, bias]");
                }
                out.put(pair.get(0).asInt(), bias(pair.get(1)));
            }
        } else {
            throw ApiException.invalid("logit_bias", "logit_bias must be an object of token id to bias");
        }
        return out;
    }

    private static float bias(JsonNode v) {
        if (v.isBoolean() && !v.asBoolean()) {
            return Float.NEGATIVE_INFINITY;
        }
        if (!v.isNumber() || v.asDouble() < -100 || v.asDouble() > 100) {
            throw ApiException.invalid("logit_bias", "a logit bias must be a number from -100 to 100");
        }
        return v.asDouble() <= -100 ? Float.NEGATIVE_INFINITY : (float) v.asDouble();
    }

    // --- typed fields -----------------------------------------------------------------------

    private static String optionalText(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.invalid(name, name + " must be a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode body, String name, boolean fallback) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(name, name + " must be true or false");
        }
        return v.asBoolean();
    }

    private static int integer(JsonNode body, String name, int fallback, int min, int max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid(name, name + " must be an integer from " + min
                    + (max == Integer.MAX_VALUE ? " up" : " to " + max) + ", got " + v);
        }
        return v.asInt();
    }

    private static long longValue(JsonNode body, String name) {
        JsonNode v = body.get(name);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid(name, name + " must be an integer, got " + v);
        }
        return v.asLong();
    }

    private static float number(JsonNode body, String name, float fallback, float min, float max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < min || v.asDouble() > max) {
            throw ApiException.invalid(name, name + " must be a number from " + min
                    + (max == Float.MAX_VALUE ? " up" : " to " + max) + ", got " + v);
        }
        return (float) v.asDouble();
    }
}
