package org.llmexplorer.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.session.Prompts;

/**
 * {@code llmx serve}: the OpenAI-compatible HTTP API over one model. Routes: {@code GET /v1/models},
 * {@code POST /v1/chat/completions}, {@code POST /v1/completions} (streamed as server-sent events
 * or not), our {@code POST /v1/attention}, and {@code GET /health}. Everything else, and every
 * refused request, is answered with an OpenAI error object.
 */
public final class LlmxServer implements AutoCloseable {
    /** The options of a server. */
    public record Options(Path model, String id, String host, int port, String apiKey, String backend, int threads,
                          int contextLength, long maxBodyBytes, int maxWaiting) {
        public Options {
            if (id == null || id.isBlank()) {
                String name = model.getFileName().toString();
                id = name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
            }
        }

        public static Options local(Path model, int port) {
            return new Options(model, null, "127.0.0.1", port, null, "simd", 0, 0, 4L << 20, 64);
        }
    }

    private final Options options;
    private final ServedModel served;
    private final WebServer server;
    private final Stats stats = new Stats();

    private LlmxServer(Options options, ServedModel served, WebServer server) {
        this.options = options;
        this.served = served;
        this.server = server;
    }

    /** Opens the model and starts listening (port 0: a free port, see {@link #port()}). */
    public static LlmxServer start(Options o) throws IOException {
        ServedModel served = new ServedModel(o.model(), o.id(), o.backend(),
                o.threads() > 0 ? o.threads() : org.llmexplorer.engine.compute.Backends.defaultThreads(),
                o.contextLength(), o.maxWaiting());
        LlmxServer[] self = new LlmxServer[1];
        try {
            WebServer ws = WebServer.builder()
                    .host(o.host())
                    .port(o.port())
                    .routing(r -> routes(r, () -> self[0]))
                    .build()
                    .start();
            self[0] = new LlmxServer(o, served, ws);
            return self[0];
        } catch (RuntimeException e) {
            served.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public String url() {
        return "http://" + (options.host().contains(":") ? "[" + options.host() + "]" : options.host()) + ":" + port();
    }

    public Stats stats() {
        return stats;
    }

    public String modelId() {
        return served.id;
    }

    @Override
    public void close() {
        server.stop();
        served.close();
    }

    // --- routing ----------------------------------------------------------------------------

    private interface Endpoint {
        void handle(LlmxServer s, ServerRequest req, ServerResponse res) throws Exception;
    }

    private static void routes(HttpRouting.Builder r, java.util.function.Supplier<LlmxServer> self) {
        r.get("/health", wrap(self, (s, q, a) -> s.json(a, 200, OpenAiJson.MAPPER.createObjectNode().put("status", "ok"))))
                .get("/v1/models", wrap(self, LlmxServer::models))
                .get("/v1/models/{id}", wrap(self, LlmxServer::model))
                .post("/v1/chat/completions", wrap(self, (s, q, a) -> s.complete(q, a, true)))
                .post("/v1/completions", wrap(self, (s, q, a) -> s.complete(q, a, false)))
                .post("/v1/attention", wrap(self, LlmxServer::attention))
                .any(wrap(self, (s, q, a) -> {
                    throw new ApiException(404, "invalid_request_error", "no route " + q.prologue().method().text() + " " + q.path().path()
                            + "; routes: GET /v1/models, POST /v1/chat/completions, POST /v1/completions, "
                            + "POST /v1/attention", null, "unknown_url");
                }));
    }

    private static io.helidon.webserver.http.Handler wrap(java.util.function.Supplier<LlmxServer> self, Endpoint e) {
        return (req, res) -> {
            LlmxServer s = self.get();
            try {
                if (s == null) {
                    throw new ApiException(503, "server_error", "the server is starting", null, null);
                }
                if (!req.path().path().equals("/health")) {
                    s.authorize(req);
                }
                e.handle(s, req, res);
            } catch (ApiException x) {
                fail(res, x);
            } catch (Exception x) {
                fail(res, ApiException.internal(x));
            }
        };
    }

    private static void fail(ServerResponse res, ApiException x) {
        if (res.isSent()) {
            return;
        }
        res.status(Status.create(x.status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(OpenAiJson.error(x).toString());
    }

    private void json(ServerResponse res, int status, JsonNode body) {
        res.status(Status.create(status));
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toString());
    }

    private void authorize(ServerRequest req) {
        if (options.apiKey() == null || options.apiKey().isEmpty()) {
            return;
        }
        String given = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        if (!given.equals("Bearer " + options.apiKey())) {
            throw new ApiException(401, "invalid_request_error", given.isEmpty()
                    ? "no API key: send the header Authorization: Bearer <key>" : "incorrect API key provided",
                    null, "invalid_api_key");
        }
    }

    /** The request body as JSON, refusing bodies over the limit before reading them whole. */
    private JsonNode body(ServerRequest req) throws IOException {
        long limit = options.maxBodyBytes();
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > limit) {
            throw tooLarge(limit);
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        }
        if (bytes.length > limit) {
            throw tooLarge(limit);
        }
        try {
            return OpenAiJson.MAPPER.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.invalid(null, "the body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" : ""));
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", "the request body is larger than " + limit + " bytes",
                null, "request_too_large");
    }

    private void checkModel(String requested) {
        if (requested != null && !requested.equals(served.id)) {
            throw ApiException.notFound("the model '" + requested + "' does not exist; this server serves '"
                    + served.id + "'", "model_not_found");
        }
    }

    // --- endpoints --------------------------------------------------------------------------

    private void models(ServerRequest req, ServerResponse res) {
        ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
        root.put("object", "list");
        root.putArray("data").add(modelEntry());
        json(res, 200, root);
    }

    private void model(ServerRequest req, ServerResponse res) {
        checkModel(req.path().pathParameters().get("id"));
        json(res, 200, modelEntry());
    }

    /** The model as OpenAI lists one, and what our extensions offer under {@code llmx}. */
    private ObjectNode modelEntry() {
        ModelConfig c = served.model.config();
        ObjectNode m = OpenAiJson.MAPPER.createObjectNode();
        m.put("id", served.id);
        m.put("object", "model");
        m.put("created", served.created);
        m.put("owned_by", "llmx");
        ObjectNode x = m.putObject("llmx");
        x.put("architecture", c.architecture());
        x.put("context_length", served.contextLength);
        x.put("vocab_size", c.vocabSize());
        x.put("layers", c.layers());
        x.put("heads", c.heads());
        x.put("chat_template", served.template != null);
        x.put("backend", served.ops.describe());
        x.putArray("extensions").add("llmx_stages").add("attention");
        return m;
    }

    private void complete(ServerRequest req, ServerResponse res, boolean chat) throws Exception {
        CompletionRequest r = CompletionRequest.parse(body(req), chat);
        checkModel(r.model());
        List<int[]> prompts = prompts(r);
        int vocab = served.model.config().vocabSize();
        for (int id : r.settings().logitBias().keySet()) {
            if (id < 0 || id >= vocab) {
                throw ApiException.invalid("logit_bias", "token " + id + " is not in the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        Completion job = new Completion(r, prompts, served.contextLength, stats);
        OpenAiJson json = new OpenAiJson(served.model.tokenizer(), served.id, chat);
        Future<?> running;
        try {
            running = served.submit(job);
        } catch (ApiException busy) {
            job.refused();
            throw busy;
        }
        if (r.stream()) {
            stream(res, r, job, json);
        } else {
            whole(res, r, job, json, prompts.size() * r.n());
        }
        if (job.cancelled() && running.cancel(false)) { // still waiting in the queue: it never runs
            job.ended();
        }
    }

    private List<int[]> prompts(CompletionRequest r) {
        List<int[]> out = new ArrayList<>();
        if (r.chat()) {
            out.add(Prompts.chat(served.model, served.template, r.messages()));
        } else {
            int vocab = served.model.config().vocabSize();
            for (CompletionRequest.Prompt p : r.prompts()) {
                int[] ids = p.tokens() != null ? p.tokens() : served.model.tokenizer().encode(p.text(), true, true);
                for (int id : ids) {
                    if (id < 0 || id >= vocab) {
                        throw ApiException.invalid("prompt", "token " + id + " is not in the vocabulary (0.." + (vocab - 1) + ")");
                    }
                }
                out.add(ids);
            }
        }
        for (int[] ids : out) {
            int ctx = served.contextLength;
            if (ids.length == 0) {
                throw ApiException.invalid(r.chat() ? "messages" : "prompt", "the prompt has no tokens");
            }
            if (ids.length >= ctx || (r.maxTokens() > 0 && (long) ids.length + r.maxTokens() > ctx)) {
                throw new ApiException(400, "invalid_request_error", "this model's maximum context length is " + ctx
                        + " tokens; you requested " + ((long) ids.length + Math.max(0, r.maxTokens())) + " tokens ("
                        + ids.length + " in the " + (r.chat() ? "messages" : "prompt") + ", " + Math.max(0, r.maxTokens())
                        + " in the completion); shorten the prompt or lower max_tokens", "max_tokens",
                        "context_length_exceeded");
            }
        }
        return out;
    }

    private void whole(ServerResponse res, CompletionRequest r, Completion job, OpenAiJson json, int choices)
            throws InterruptedException {
        List<OpenAiJson.Choice> out = new ArrayList<>();
        for (int i = 0; i < choices; i++) {
            out.add(new OpenAiJson.Choice());
        }
        while (true) {
            Completion.Event e = job.events.take();
            switch (e) {
                case Completion.Delta d -> {
                    out.get(d.index()).text.append(d.text());
                    if (d.token() != null) {
                        out.get(d.index()).tokens.add(d.token());
                    }
                }
                case Completion.Finish f -> out.get(f.index()).finish = f.reason();
                case Completion.Failed f -> throw ApiException.internal(f.error());
                case Completion.Done d -> {
                    json(res, 200, json.completion(out, r, d.promptTokens(), d.completionTokens()));
                    return;
                }
            }
        }
    }

    private void stream(ServerResponse res, CompletionRequest r, Completion job, OpenAiJson json)
            throws InterruptedException {
        java.util.Set<Integer> started = new java.util.HashSet<>();
        java.util.Map<Integer, Integer> offsets = new java.util.HashMap<>();
        try (EventStream sink = new EventStream(res)) {
            while (true) {
                Completion.Event e = job.events.poll(30, TimeUnit.SECONDS);
                if (e == null) { // still queued behind others: a comment keeps the connection, and finds a dead client
                    sink.comment("waiting");
                    continue;
                }
                switch (e) {
                    case Completion.Delta d -> {
                        int offset = offsets.getOrDefault(d.index(), 0);
                        sink.data(String.valueOf(json.chunk(d.index(), d.text(), d.token(), started.add(d.index()), r, offset)));
                        offsets.put(d.index(), offset + d.text().length());
                    }
                    case Completion.Finish f -> sink.data(String.valueOf(json.finish(f.index(), f.reason())));
                    case Completion.Failed f -> {
                        sink.data(String.valueOf(OpenAiJson.error(ApiException.internal(f.error()))));
                        sink.data("[DONE]");
                        return;
                    }
                    case Completion.Done d -> {
                        if (r.includeUsage()) {
                            sink.data(String.valueOf(json.usageChunk(d.promptTokens(), d.completionTokens())));
                        }
                        sink.data("[DONE]");
                        return;
                    }
                }
            }
        } catch (UncheckedIOException gone) { // the client closed the connection: stop generating for it
            job.cancel();
        } catch (RuntimeException e) {
            job.cancel();
            throw e;
        }
    }

    /**
     * Our extension: the attention weights of one layer and head over a text (or a conversation
     * rendered with the chat template), under the model's masks or a mask plan.
     * Body: {@code {"prompt" | "messages", "layer", "head", "mask"?}}.
     */
    private void attention(ServerRequest req, ServerResponse res) throws Exception {
        JsonNode body = body(req);
        if (!body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        checkModel(body.hasNonNull("model") ? body.get("model").asText() : null);
        ModelConfig c = served.model.config();
        int layer = index(body, "layer", c.layers());
        boolean allHeads = !body.hasNonNull("head");
        int head = allHeads ? 0 : index(body, "head", c.heads());
        int[] ids;
        if (body.hasNonNull("messages")) {
            ids = Prompts.chat(served.model, served.template, CompletionRequest.parse(body, true).messages());
        } else if (body.hasNonNull("prompt") && body.get("prompt").isTextual()) {
            ids = served.model.tokenizer().encode(body.get("prompt").asText(), true, true);
        } else {
            throw ApiException.invalid("prompt", "prompt (a string) or messages is required");
        }
        if (ids.length > served.contextLength) {
            throw ApiException.invalid("prompt", "the text has " + ids.length + " tokens; the context holds "
                    + served.contextLength);
        }
        MaskPlan plan;
        try {
            plan = body.hasNonNull("mask") ? MaskPlan.parse(body.get("mask").asText(), c.trainedMask()) : c.trainedMask();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("mask", e.getMessage());
        }
        int n = ids.length;
        AttentionMatrix recorded = new AttentionMatrix(c.layers(), c.heads(), n,
                (l, h) -> l == layer && (allHeads || h == head));
        Future<?> f = served.submit(g -> {
            MaskPlan before = g.masks();
            try {
                g.masks(plan);
                g.state().recorder(recorded);
                g.ingest(ids, n, 0);
            } finally {
                g.state().recorder(null);
                g.masks(before);
            }
        });
        try {
            f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw ApiException.internal(e.getCause());
        }
        ObjectNode root = OpenAiJson.MAPPER.createObjectNode();
        root.put("object", "attention");
        root.put("model", served.id);
        root.put("layer", layer);
        root.put("plan", plan.spec());
        if (!allHeads) {
            root.put("head", head);
            root.put("mask", plan.mask(layer, head).spec());
        }
        ArrayNode tokens = root.putArray("tokens");
        ArrayNode pieces = root.putArray("pieces");
        for (int id : ids) {
            tokens.add(id);
            pieces.add(new String(served.model.tokenizer().piece(id, true), StandardCharsets.UTF_8));
        }
        if (allHeads) {
            ArrayNode heads = root.putArray("heads");
            for (int h = 0; h < c.heads(); h++) {
                ObjectNode o = heads.addObject();
                o.put("head", h);
                o.put("mask", plan.mask(layer, h).spec());
                matrices(o, recorded.weights(layer, h), plan.mask(layer, h).matrix(n));
            }
        } else {
            matrices(root, recorded.weights(layer, head), plan.mask(layer, head).matrix(n));
        }
        json(res, 200, root);
    }

    /** The weights (rows are queries) and which pairs the mask allows (1) or not (0). */
    private static void matrices(ObjectNode o, float[][] weights, boolean[][] allowed) {
        ArrayNode w = o.putArray("weights");
        for (float[] row : weights) {
            ArrayNode a = w.addArray();
            for (float x : row) {
                a.add(x);
            }
        }
        ArrayNode m = o.putArray("allowed");
        for (boolean[] row : allowed) {
            ArrayNode a = m.addArray();
            for (boolean x : row) {
                a.add(x ? 1 : 0);
            }
        }
    }

    private static int index(JsonNode body, String name, int count) {
        JsonNode v = body.get(name);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() >= count) {
            throw ApiException.invalid(name, name + " must be an integer from 0 to " + (count - 1));
        }
        return v.asInt();
    }
}
