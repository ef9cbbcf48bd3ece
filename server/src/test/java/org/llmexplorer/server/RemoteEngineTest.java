package org.llmexplorer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.session.ChatSession;
import org.llmexplorer.engine.session.Message;
import org.llmexplorer.engine.session.ModelSummary;
import org.llmexplorer.engine.session.SessionListener;
import org.llmexplorer.engine.session.Step;

/**
 * The session on a remote engine: against llmx serve started here (the same replies as the
 * model run locally, probabilities and alternatives from top_logprobs, our stages over them,
 * branching), and against recorded answers in the formats vLLM and llama.cpp's server send,
 * one of them without logprobs; and a server that is not there.
 */
class RemoteEngineTest {
    static final class Events implements SessionListener {
        final List<String> failures = new CopyOnWriteArrayList<>();
        final List<Step> tokens = new CopyOnWriteArrayList<>();
        volatile int used = -1;
        volatile int capacity = -1;

        @Override
        public void contextUsage(int used, int capacity) {
            this.used = used;
            this.capacity = capacity;
        }

        @Override
        public void token(int messageIndex, Step step) {
            tokens.add(step);
        }

        @Override
        public void failed(String what, Throwable error) {
            failures.add(what + ": " + error.getMessage());
        }
    }

    static Message reply(ChatSession s, String text) throws Exception {
        return s.send(text).get(60, TimeUnit.SECONDS);
    }

    @Test
    void aConversationOnLlmxServeIsTheConversationRunHere() throws Exception {
        Message local;
        org.llmexplorer.engine.session.AttentionSnapshot localAttention;
        String localCompare;
        try (ChatSession here = new ChatSession(new Events())) {
            here.settings(SamplingSettings.greedy(), true, 24);
            here.open(OpenAiSdkTest.MODEL).get(30, TimeUnit.SECONDS);
            local = reply(here, "Once upon a time");
            localAttention = here.attention(2, null).get(30, TimeUnit.SECONDS);
            localCompare = here.compare(SamplingSettings.greedy(), SamplingSettings.greedy()).get(60, TimeUnit.SECONDS)
                    .get(0).text();
        }
        Events events = new Events();
        try (LlmxServer server = LlmxServer.start(LlmxServer.Options.local(OpenAiSdkTest.MODEL, 0));
             ChatSession remote = new ChatSession(events)) {
            remote.settings(SamplingSettings.greedy(), true, 24);
            ModelSummary m = remote.connect(server.url(), null, null).get(30, TimeUnit.SECONDS);
            assertEquals("stories260K", m.name());
            assertTrue(m.backend().contains("llmx serve"), m.backend());
            Message r = reply(remote, "Once upon a time");
            assertEquals(local.text(), r.text());
            assertEquals(128, events.capacity, "the context from /v1/models");
            assertEquals(5 + 24, events.used, "the server's usage: BOS and Once, upon, a, time; 24 generated");
            assertEquals(local.steps().size(), r.steps().size());
            for (int i = 0; i < r.steps().size(); i++) {
                Step a = local.steps().get(i);
                Step b = r.steps().get(i);
                assertEquals(a.p(), b.p(), 1e-5, "step " + i);
                assertEquals(20, b.top().length);
                assertEquals(remote.piece(b.token()), b.text());
                assertEquals(b.token(), b.top()[0].id(), "greedy takes the first alternative");
                assertEquals(a.top()[1].p(), b.top()[1].p(), 1e-5, "the runner-up as here");
                assertFalse(b.stages().isEmpty(), "our stages over the 20 alternatives");
            }
            // attention of a layer from llmx serve's /v1/attention: the weights computed here
            var a = remote.attention(2, null).get(30, TimeUnit.SECONDS);
            assertEquals(localAttention.weights().length, a.weights().length, "every head");
            assertEquals(java.util.List.of(localAttention.tokens()), java.util.List.of(a.tokens()));
            for (int h = 0; h < a.weights().length; h++) {
                for (int i = 0; i < a.tokens().length; i++) {
                    for (int j = 0; j < a.tokens().length; j++) {
                        assertEquals(localAttention.weights()[h][i][j], a.weights()[h][i][j], 1e-5f);
                        assertEquals(localAttention.allowed()[h][i][j], a.allowed()[h][i][j]);
                    }
                }
            }
            // comparing two settings: two requests, the conversation untouched
            List<Message> both = remote.compare(SamplingSettings.greedy(), SamplingSettings.greedy().withTemperature(1.5f)
                    .withTopK(0).withTopP(1f).withMinP(0f).withSeed(3)).get(60, TimeUnit.SECONDS);
            assertEquals(localCompare, both.get(0).text(), "greedy, as the same comparison here");
            assertFalse(both.get(1).text().equals(both.get(0).text()), "hot sampling differs");
            assertEquals(2, remote.conversation().size());
            // re-sampling a step uses the alternatives the server sent
            int greedy = remote.resample(1, 0, SamplingSettings.greedy()).get(10, TimeUnit.SECONDS);
            assertEquals(r.steps().get(0).token(), greedy);
            // branching at step 2 to the second alternative continues the reply from it
            Step at = r.steps().get(2);
            int other = at.top()[1].id();
            Message branched = remote.branch(1, 2, other).get(60, TimeUnit.SECONDS);
            assertEquals(other, branched.steps().get(2).token());
            assertTrue(branched.text().startsWith(r.steps().get(0).text() + r.steps().get(1).text() + remote.piece(other)),
                    branched.text());
        }
    }

    /** A server that answers /v1/models and /v1/chat/completions with recorded bodies. */
    static HttpServer recorded(String models, String stream) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/v1/models", x -> {
            byte[] b = models.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.createContext("/v1/chat/completions", x -> {
            x.getRequestBody().readAllBytes();
            byte[] b = stream.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/event-stream");
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.start();
        return s;
    }

    static String chunk(String content, String logprobs, String finish) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},\"logprobs\":" + logprobs
                + ",\"finish_reason\":" + finish + "}]}\n\n";
    }

    static String entry(String token, double lp, String alt, double altLp, boolean withIds) {
        String id = withIds ? "\"id\":" + token.length() + "," : "";
        return "{\"content\":[{" + id + "\"token\":\"" + token + "\",\"logprob\":" + lp + ",\"bytes\":null,\"top_logprobs\":["
                + "{" + id + "\"token\":\"" + token + "\",\"logprob\":" + lp + ",\"bytes\":null},"
                + "{\"token\":\"" + alt + "\",\"logprob\":" + altLp + ",\"bytes\":null}]}]}";
    }

    @Test
    void vllmAndLlamaCppAnswersAndOneWithoutLogprobs() throws Exception {
        // vLLM: max_model_len in /v1/models; llama.cpp: token ids beside the texts and a meta object
        String vllmModels = "{\"object\":\"list\",\"data\":[{\"id\":\"meta-llama/Llama-3.1-8B-Instruct\",\"object\":\"model\","
                + "\"created\":1,\"owned_by\":\"vllm\",\"root\":\"meta-llama/Llama-3.1-8B-Instruct\",\"parent\":null,"
                + "\"max_model_len\":8192,\"permission\":[]}]}";
        String llamaModels = "{\"object\":\"list\",\"data\":[{\"id\":\"llama-3.2-1b.gguf\",\"object\":\"model\",\"created\":1,"
                + "\"owned_by\":\"llamacpp\",\"meta\":{\"vocab_type\":2,\"n_vocab\":128256,\"n_ctx_train\":131072}}]}";
        String[][] servers = {
                {vllmModels, "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                        + "\"finish_reason\":null}]}\n\n"
                        + chunk("Hello", entry("Hello", -0.1, "Hi", -2.4, false), "null")
                        + chunk(" there", entry(" there", -0.5, " world", -1.2, false), "null")
                        + chunk("", "null", "\"stop\"") + "data: [DONE]\n\n", "vllm"},
                {llamaModels, chunk("Hello", entry("Hello", -0.1, "Hi", -2.4, true), "null")
                        + chunk(" there", entry(" there", -0.5, " world", -1.2, true), "null")
                        + chunk("", "null", "\"length\"") + "data: [DONE]\n\n", "llama.cpp"},
                {llamaModels, chunk("Hello", "null", "null") + chunk(" there", "null", "null")
                        + chunk("", "null", "\"stop\"") + "data: [DONE]\n\n", "no logprobs"},
        };
        for (String[] sv : servers) {
            HttpServer http = recorded(sv[0], sv[1]);
            Events events = new Events();
            try (ChatSession s = new ChatSession(events)) {
                ModelSummary m = s.connect("127.0.0.1:" + http.getAddress().getPort(), "key", null).get(10, TimeUnit.SECONDS);
                assertTrue(m.backend().contains("does not expose attention"), m.backend());
                Message r = reply(s, "Hi");
                assertEquals("Hello there", r.text(), sv[2]);
                assertEquals(2, r.steps().size(), sv[2]);
                if (sv[2].equals("no logprobs")) {
                    assertEquals(0, r.steps().get(0).top().length);
                    assertTrue(events.failures.stream().anyMatch(f -> f.contains("returned no logprobs")), events.failures.toString());
                } else {
                    Step first = r.steps().get(0);
                    assertEquals(Math.exp(-0.1), first.p(), 1e-9, sv[2]);
                    assertEquals(1, first.rank());
                    assertEquals("Hi", s.piece(first.top()[1].id()));
                    assertEquals(Math.exp(-2.4), first.top()[1].p(), 1e-9);
                    assertTrue(events.failures.isEmpty(), events.failures.toString());
                }
                ExecutionException noAttention = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> s.attention(0, null).get(10, TimeUnit.SECONDS));
                assertTrue(noAttention.getCause().getMessage().contains("does not expose attention"));
            } finally {
                http.stop(0);
            }
        }
    }

    @Test
    void aServerThatIsNotThereIsSaidSoAndTheConversationIsKept() throws Exception {
        Events events = new Events();
        try (ChatSession s = new ChatSession(events)) {
            s.restore(new ArrayList<>(List.of(Message.user("kept"))));
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> s.connect("127.0.0.1:1", null, null).get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("cannot reach"), e.getCause().getMessage());
            assertEquals(1, s.conversation().size());
        }
    }
}
