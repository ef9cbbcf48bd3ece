package org.llmexplorer.engine.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.llmexplorer.engine.sampling.SamplingSettings;

/**
 * A client of an OpenAI-compatible server (llmx serve, vLLM, llama.cpp's llama-server,
 * Ollama): the models it serves, and a chat reply streamed token by token with the
 * log-probabilities of up to 20 alternatives when the server returns them. Every failure is a
 * {@link RemoteException} that says what went wrong in words (unreachable, no answer in time,
 * the server's own error message).
 */
public final class OpenAiClient {
    /** The most alternatives OpenAI's API returns per token. */
    public static final int TOP = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http;

    /** @param address the server's address, with or without the trailing /v1 */
    public OpenAiClient(String address, String apiKey, Duration timeout) {
        String a = address.strip();
        while (a.endsWith("/")) {
            a = a.substring(0, a.length() - 1);
        }
        if (!a.startsWith("http://") && !a.startsWith("https://")) {
            a = "http://" + a;
        }
        this.base = a.endsWith("/v1") ? a : a + "/v1";
        this.apiKey = apiKey == null ? "" : apiKey.strip();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public String base() {
        return base;
    }

    /** A model the server lists; {@code llmx} when it is {@code llmx serve}, which offers attention. */
    public record ModelInfo(String id, boolean llmx, int contextLength) {
    }

    /** One generated token: its text, log-probability (NaN when the server gave none) and alternatives. */
    public record Token(String text, double logprob, List<Alternative> top) {
    }

    public record Alternative(String text, double logprob) {
    }

    /** How a reply ended, and whether the server sent log-probabilities. */
    public record Reply(String finishReason, int completionTokens, boolean logprobs, int promptTokens) {
    }

    public List<ModelInfo> models() throws RemoteException {
        JsonNode root = send(request("/models").GET().build());
        List<ModelInfo> out = new ArrayList<>();
        for (JsonNode m : root.path("data")) {
            JsonNode x = m.path("llmx");
            int ctx = x.path("context_length").asInt(m.path("max_model_len").asInt(0)); // llmx serve, vLLM
            out.add(new ModelInfo(m.path("id").asText(), x.isObject(), ctx));
        }
        if (out.isEmpty()) {
            throw new RemoteException(base + "/models lists no model");
        }
        return out;
    }

    /**
     * Streams a chat reply. {@code continueLast}: the last message is the start of the
     * assistant's reply, to be continued (llama.cpp and llmx serve continue a final assistant
     * message; vLLM is asked with continue_final_message).
     */
    public Reply chat(String model, List<ObjectNode> messages, SamplingSettings s, int maxTokens, boolean continueLast,
                      Consumer<Token> onToken, BooleanSupplier cancelled) throws RemoteException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode m = body.putArray("messages");
        messages.forEach(m::add);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.put("max_tokens", maxTokens);
        body.put("temperature", s.temperature());
        body.put("top_p", s.topP());
        body.put("top_k", s.topK());
        body.put("min_p", s.minP());
        body.put("typical_p", s.typicalP());
        body.put("repeat_penalty", s.repeatPenalty()); // llama.cpp's name
        body.put("repetition_penalty", s.repeatPenalty()); // vLLM's
        body.put("presence_penalty", s.presencePenalty());
        body.put("frequency_penalty", s.frequencyPenalty());
        body.put("seed", s.seed());
        body.put("logprobs", true);
        body.put("top_logprobs", TOP);
        if (continueLast) {
            body.put("continue_final_message", true);
            body.put("add_generation_prompt", false);
        }
        HttpResponse<InputStream> res = post(body);
        if (res.statusCode() == 400) { // the reply would pass the context: ask for what fits (until the context is full)
            String refusal = read(res);
            if (!refusal.contains("context_length_exceeded")) {
                throw refused(400, refusal);
            }
            body.remove("max_tokens");
            res = post(body);
        }
        String finish = null;
        int tokens = 0;
        int promptTokens = -1;
        boolean logprobs = false;
        try (InputStream in = res.body();
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            if (res.statusCode() != 200) {
                throw refused(res.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            for (String line; (line = r.readLine()) != null; ) {
                if (cancelled.getAsBoolean()) {
                    return new Reply("cancelled", tokens, logprobs, promptTokens);
                }
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) {
                    break;
                }
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) {
                    throw new RemoteException("the server stopped the reply: " + chunk.path("error").path("message").asText());
                }
                if (chunk.path("usage").has("prompt_tokens")) {
                    promptTokens = chunk.path("usage").path("prompt_tokens").asInt();
                }
                for (JsonNode c : chunk.path("choices")) {
                    JsonNode entries = c.path("logprobs").path("content");
                    String content = c.path("delta").path("content").asText("");
                    if (entries.isArray() && !entries.isEmpty()) {
                        logprobs = true;
                        for (JsonNode e : entries) {
                            List<Alternative> top = new ArrayList<>();
                            for (JsonNode a : e.path("top_logprobs")) {
                                top.add(new Alternative(a.path("token").asText(), a.path("logprob").asDouble()));
                            }
                            onToken.accept(new Token(e.path("token").asText(), e.path("logprob").asDouble(), top));
                            tokens++;
                        }
                    } else if (!content.isEmpty()) {
                        onToken.accept(new Token(content, Double.NaN, List.of()));
                        tokens++;
                    }
                    if (c.hasNonNull("finish_reason")) {
                        finish = c.get("finish_reason").asText();
                    }
                }
            }
        } catch (IOException e) {
            throw failure(e);
        }
        return new Reply(finish == null ? "stop" : finish, tokens, logprobs, promptTokens);
    }

    private HttpResponse<InputStream> post(ObjectNode body) throws RemoteException {
        HttpRequest req = request("/chat/completions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException | InterruptedException e) {
            throw failure(e);
        }
    }

    private static String read(HttpResponse<InputStream> res) {
        try (InputStream in = res.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code POST /v1/attention} of llmx serve: every head's weights of a layer over a conversation. */
    public JsonNode attention(String model, List<ObjectNode> messages, int layer, String maskPlan) throws RemoteException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode m = body.putArray("messages");
        messages.forEach(m::add);
        body.put("layer", layer); // no head: every head of the layer
        if (maskPlan != null) {
            body.put("mask", maskPlan);
        }
        return send(request("/attention").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
    }

    public static ObjectNode message(String role, String content) {
        ObjectNode o = JSON.createObjectNode();
        o.put("role", role);
        o.put("content", content);
        return o;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (!apiKey.isEmpty()) {
            b.header("Authorization", "Bearer " + apiKey);
        }
        return b;
    }

    private JsonNode send(HttpRequest req) throws RemoteException {
        HttpResponse<String> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw failure(e);
        }
        if (res.statusCode() != 200) {
            throw refused(res.statusCode(), res.body());
        }
        try {
            return JSON.readTree(res.body());
        } catch (IOException e) {
            throw new RemoteException(req.uri() + " did not answer with JSON: " + e.getMessage());
        }
    }

    private RemoteException refused(int status, String body) {
        String message = body;
        try {
            JsonNode e = JSON.readTree(body).path("error");
            message = e.isObject() ? e.path("message").asText() : e.isTextual() ? e.asText() : body;
        } catch (IOException | RuntimeException notJson) {
            // the body as it came
        }
        String hint = status == 401 || status == 403 ? " (check the API key)" : "";
        return new RemoteException("the server at " + base + " answered " + status + ": "
                + (message.length() > 300 ? message.substring(0, 300) + "…" : message) + hint);
    }

    private RemoteException failure(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new RemoteException("interrupted while waiting for " + base);
        }
        if (e instanceof HttpTimeoutException) {
            return new RemoteException("no answer from " + base + " within " + timeout.toSeconds() + " s");
        }
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            return new RemoteException("cannot reach " + base + ": connection refused (is the server running?)");
        }
        return new RemoteException("the connection to " + base + " failed: " + e);
    }
}
