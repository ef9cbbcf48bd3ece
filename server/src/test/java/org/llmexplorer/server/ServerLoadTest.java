package org.llmexplorer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server under load and under bad input: 16 streaming clients at once, clients that leave
 * mid-stream, malformed and oversized requests. Plain HTTP here, to control the bytes.
 */
class ServerLoadTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static LlmxServer server;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        LlmxServer.Options o = LlmxServer.Options.local(OpenAiSdkTest.MODEL, 0);
        server = LlmxServer.start(new LlmxServer.Options(o.model(), null, o.host(), 0, null, o.backend(), 2, 0,
                64 * 1024, o.maxWaiting()));
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String request(String prompt, boolean stream) {
        return "{\"model\":\"stories260K\",\"messages\":[{\"role\":\"user\",\"content\":" + JSON.valueToTree(prompt)
                + "}],\"max_tokens\":40,\"temperature\":0,\"stream\":" + stream + "}";
    }

    /** The text of a streamed reply, read from its server-sent events. */
    static String streamedText(String prompt) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(
                URI.create(server.url() + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(
                request(prompt, true))).build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        StringBuilder text = new StringBuilder();
        boolean done = false;
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (line.equals("data: [DONE]")) {
                done = true;
            } else if (line.startsWith("data: ")) {
                for (JsonNode c : JSON.readTree(line.substring(6)).get("choices")) {
                    text.append(c.path("delta").path("content").asText(""));
                }
            }
        }
        assertTrue(done, "the stream ends with data: [DONE]");
        return text.toString();
    }

    @Test
    void sixteenStreamingClientsGetWhatEachGetsAlone() throws Exception {
        String[] prompts = {"Once upon a time", "The cat sat", "Tom and Sue went", "One day, a little"};
        List<String> alone = new ArrayList<>();
        for (String p : prompts) {
            alone.add(JSON.readTree(post("/v1/chat/completions", request(p, false)).body())
                    .at("/choices/0/message/content").asText());
        }
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<String>> replies = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String p = prompts[i % prompts.length];
                    replies.add(pool.submit(() -> streamedText(p)));
                }
                for (int i = 0; i < 16; i++) {
                    assertEquals(alone.get(i % prompts.length), replies.get(i).get(), "client " + i);
                }
            } finally {
                pool.shutdownNow();
            }
        });
    }

    @Test
    void aClientThatLeavesMidStreamFreesItsSlot() throws Exception {
        long cancelledBefore = server.stats().cancelled();
        long tokensBefore = server.stats().tokens();
        int asked = 16 * 120;
        String body = "{\"prompt\":\"Once upon a time\",\"max_tokens\":120,\"n\":16,\"temperature\":1,\"seed\":1,"
                + "\"stream\":true}";
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            int events = 0;
            for (String line; events < 3 && (line = in.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    events++;
                }
            }
            assertEquals(3, events);
        } // the client leaves
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            while (server.stats().running() > 0) {
                Thread.sleep(10);
            }
        });
        assertEquals(cancelledBefore + 1, server.stats().cancelled());
        long generated = server.stats().tokens() - tokensBefore;
        assertTrue(generated < asked / 2, "generation stopped early: " + generated + " of " + asked + " tokens");
        // and the next client is served at once
        assertEquals(200, post("/v1/chat/completions", request("Once upon a time", false)).statusCode());
    }

    @Test
    void badRequestsGetErrorObjectsAndTheServerLivesOn() throws Exception {
        String big = "{\"prompt\":\"" + "a".repeat(100_000) + "\"}";
        Object[][] cases = {
                {"/v1/completions", "{\"prompt\": \"x\", ", 400, null},
                {"/v1/completions", "[1, 2, 3]", 400, null},
                {"/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": \"ten\"}", 400, "max_tokens"},
                {"/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 2147483647}", 400, "max_tokens"},
                {"/v1/completions", "{\"prompt\": \"x\", \"n\": 1000}", 400, "n"},
                {"/v1/completions", "{\"prompt\": \"x\", \"top_p\": 7}", 400, "top_p"},
                {"/v1/completions", "{\"prompt\": \"x\", \"logprobs\": 21}", 400, "logprobs"},
                {"/v1/completions", "{\"prompt\": [1, 99999]}", 400, "prompt"},
                {"/v1/completions", "{\"prompt\": \"x\", \"logit_bias\": {\"abc\": 1}}", 400, "logit_bias"},
                {"/v1/completions", "{\"prompt\": \"x\", \"stop\": 5}", 400, "stop"},
                {"/v1/completions", "{}", 400, "prompt"},
                {"/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}", 400,
                        "messages[0].role"},
                {"/v1/chat/completions", "{\"messages\": \"hello\"}", 400, "messages"},
                {"/v1/chat/completions", "{\"model\": \"llama-70b\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}",
                        404, null},
                {"/v1/completions", big, 413, null},
                {"/v1/attention", "{\"prompt\": \"x\", \"layer\": 99, \"head\": 0}", 400, "layer"},
                {"/v1/embeddings", "{\"input\": \"x\"}", 404, null},
        };
        for (Object[] c : cases) {
            HttpResponse<String> r = post((String) c[0], (String) c[1]);
            String what = c[0] + " " + ((String) c[1]).substring(0, Math.min(60, ((String) c[1]).length()));
            assertEquals((int) c[2], r.statusCode(), what + " -> " + r.body());
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertFalse(error.get("message").asText().isBlank(), what);
            assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), "no stack trace: " + r.body());
            if (c[3] != null) {
                assertEquals(c[3], error.get("param").asText(), what);
            }
        }
        assertEquals(200, post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 3}").statusCode());
    }

    @Test
    void attentionWeightsAreRowsOfProbabilitiesUnderTheMask() throws Exception {
        JsonNode a = JSON.readTree(post("/v1/attention", "{\"prompt\": \"One day, a cat\", \"layer\": 2, \"head\": 3}").body());
        int n = a.get("tokens").size();
        assertEquals(n, a.get("weights").size());
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                double w = a.get("weights").get(i).get(j).asDouble();
                if (j > i) {
                    assertEquals(0, w, "causal: no weight on later tokens");
                }
                sum += w;
            }
            assertEquals(1, sum, 1e-5);
        }
        JsonNode windowed = JSON.readTree(post("/v1/attention",
                "{\"prompt\": \"One day, a cat\", \"layer\": 2, \"head\": 3, \"mask\": \"sliding:w=2\"}").body());
        assertEquals("sliding:w=2", windowed.get("mask").asText());
        assertEquals(0, windowed.at("/weights/" + (n - 1) + "/0").asDouble(), "outside the window");
    }
}
