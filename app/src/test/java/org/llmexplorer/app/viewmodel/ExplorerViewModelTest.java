package org.llmexplorer.app.viewmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.store.JsonStore;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.sampling.StageReport;

/** The view models driven without a window, UI updates run directly on the calling thread. */
class ExplorerViewModelTest {
    static final Path STORIES = Path.of("..", "shared", "models", "stories260K.gguf");

    @TempDir
    Path config;

    AppDirs dirs() {
        return new AppDirs(config, config.resolve("chats"), config.resolve("models"));
    }

    @Test
    void chatInspectAndResampleLive() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            assertEquals("llama", vm.model.modelProperty().get().architecture());
            // remembered as one absolute path, without the ".." it was reached through
            assertEquals(STORIES.toAbsolutePath().normalize().toString(), vm.model.recent().getFirst());
            assertTrue(!vm.model.recent().getFirst().contains(".."), vm.model.recent().getFirst());
            assertEquals(128, vm.chat.contextCapacityProperty().get(), "the model's 128 tokens (under the 2048 set), "
                    + "said before the first reply");

            vm.sampling.maxTokens.set(20);
            vm.sampling.seedLocked.set(true);
            java.util.List<String> status = new java.util.concurrent.CopyOnWriteArrayList<>();
            vm.chat.promptStatusProperty().addListener((o, was, now) -> status.add(now));
            vm.chat.input.set("Once upon a time");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            assertEquals(2, vm.chat.messages().size());
            MessageItem reply = vm.chat.messages().get(1);
            assertTrue(status.getFirst().matches("reading the prompt: 0 / \\d+ tokens"), status.toString());
            assertEquals(20, reply.steps().size());
            assertFalse(vm.chat.generatingProperty().get());
            assertTrue(vm.chat.contextUsedProperty().get() > 20);

            vm.sampling.minP.set(0);
            vm.sampling.topP.set(1.0);
            vm.inspector.selected.set(new StepRef(1, 2));
            waitFor(() -> vm.inspector.wouldPickProperty().get() >= 0 && lastSurvivors(vm) == 40);
            assertEquals(8, vm.inspector.stages().size());
            int before = lastSurvivors(vm);
            vm.sampling.topK.set(2); // the slider moves: the step is re-sampled from kept logits
            waitFor(() -> lastSurvivors(vm) <= 2);
            assertTrue(lastSurvivors(vm) <= 2 && before > 2, before + " -> " + lastSurvivors(vm));
            vm.sampling.temperature.set(0);
            waitFor(() -> lastSurvivors(vm) == 1);
            assertEquals(reply.steps().get(2).top()[0].id(), vm.inspector.wouldPickProperty().get(),
                    "at temperature 0 the step would take its most likely token");

            int alternative = reply.steps().get(2).top()[1].id();
            vm.chat.branch(new StepRef(1, 2), alternative).get(30, TimeUnit.SECONDS);
            assertEquals(alternative, vm.chat.messages().get(1).steps().get(2).token());
        }
    }

    private static int lastSurvivors(ExplorerViewModel vm) {
        var stages = vm.inspector.stages();
        return stages.isEmpty() ? -1 : stages.getLast().survivors();
    }

    /** Opens stories260K and sends each message in turn, replies of at most maxTokens, the seed locked. */
    private static void talk(ExplorerViewModel vm, int maxTokens, String... messages) throws Exception {
        vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
        vm.sampling.maxTokens.set(maxTokens);
        vm.sampling.seedLocked.set(true);
        for (String m : messages) {
            vm.chat.input.set(m);
            vm.chat.send().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSelectedTokenFollowsItsMessageWhenOlderOnesSlideOut() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            talk(vm, 40, "Once upon a time", "The cat sat on the mat");
            int last = vm.chat.messages().size() - 1;
            vm.inspector.selected.set(new StepRef(last, 5));
            org.llmexplorer.engine.session.Step chosen = vm.inspector.step();
            assertNotNull(chosen);
            int before = vm.chat.messages().size();

            vm.chat.input.set("A big dog ran"); // the 128-token window cannot hold three turns
            vm.chat.send().get(30, TimeUnit.SECONDS);
            assertTrue(vm.noticeProperty().get().contains("slid out"), vm.noticeProperty().get());
            int dropped = before + 2 - vm.chat.messages().size();
            assertTrue(dropped > 0, "older messages slid out");
            assertEquals(new StepRef(last - dropped, 5), vm.inspector.selected.get());
            org.llmexplorer.engine.session.Step now = vm.inspector.step();
            assertEquals(chosen.token(), now.token());
            assertEquals(chosen.p(), now.p());
            assertEquals(chosen.text(), now.text());
        }
    }

    @Test
    void aBranchedTokenIsShownWhereTheDrawnOneWas() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            talk(vm, 10, "Once upon a time");
            vm.inspector.selected.set(new StepRef(1, 0));
            org.llmexplorer.engine.session.Step drawn = vm.inspector.step();
            int other = drawn.top()[0].id() == drawn.token() ? drawn.top()[1].id() : drawn.top()[0].id();
            java.util.List<String> heard = new java.util.ArrayList<>();
            vm.inspector.stages().addListener((javafx.collections.ListChangeListener<StageReport>) c ->
                    heard.add(vm.inspector.step() == null ? "" : vm.inspector.step().text()));

            vm.chat.branch(new StepRef(1, 0), other).get(30, TimeUnit.SECONDS);
            assertEquals(other, vm.inspector.step().token(), "the step now holds the branched token");
            // the sampling view redraws (header and chart) when the stages change: they must, for the new step
            assertFalse(heard.isEmpty(), "the stages were shown again");
            assertEquals(vm.inspector.step().text(), heard.getLast());
            assertEquals(new StepRef(1, 0), vm.inspector.selected.get());
        }
    }

    @Test
    void theOpenModelIsServedOverTheOpenAiApiWhileTheChatGoesOn() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.model.servePort = 0;
            String url = vm.model.serve(true).get(30, TimeUnit.SECONDS);
            assertEquals(url, vm.model.servingProperty().get());
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String models = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/models")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(models.contains("\"id\":\"stories260K\""), models);
            String reply = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/completions"))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(reply.contains("\"finish_reason\":\"length\""), reply);
            vm.chat.input.set("Once upon a time");
            assertFalse(vm.chat.send().get(30, TimeUnit.SECONDS).text().isEmpty(), "the chat goes on");
            vm.model.serve(false).get(30, TimeUnit.SECONDS);
            assertEquals("", vm.model.servingProperty().get());
            assertThrows(java.net.ConnectException.class, () -> http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(url + "/models")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void theWindowRunsOnARemoteServerAndSaysWhatItCannotShow() throws Exception {
        try (org.llmexplorer.server.LlmxServer server = org.llmexplorer.server.LlmxServer.start(
                org.llmexplorer.server.LlmxServer.Options.local(STORIES, 0));
             ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.discoverBackends().get(30, TimeUnit.SECONDS);
            assertTrue(vm.model.backends().contains(ModelViewModel.REMOTE), "Runs on offers a server");
            vm.model.connect(server.url(), "", "").get(30, TimeUnit.SECONDS);
            assertEquals(ModelViewModel.REMOTE, vm.model.backend.get());
            assertTrue(vm.model.statusProperty().get().contains("OpenAI-compatible server at " + server.url()),
                    vm.model.statusProperty().get());
            vm.chat.input.set("Once upon a time");
            var reply = vm.chat.send().get(30, TimeUnit.SECONDS);
            assertFalse(reply.text().isEmpty());
            assertEquals(20, reply.steps().get(0).top().length, "alternatives from top_logprobs");
            assertEquals(server.url() + "/v1", vm.model.lastRemoteAddress() + "/v1");
            assertThrows(Exception.class, () -> vm.model.serve(true).get(10, TimeUnit.SECONDS),
                    "a remote model is not served again from here");
        }
    }

    /** A server answering as llama.cpp's llama-server documents it (token ids beside texts, a meta object). */
    static com.sun.net.httpserver.HttpServer recordedLlamaServer(boolean logprobs) throws Exception {
        var http = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        String models = "{\"object\":\"list\",\"data\":[{\"id\":\"Llama-3.2-1B-Instruct-Q4_K_M.gguf\",\"object\":\"model\","
                + "\"created\":1,\"owned_by\":\"llamacpp\",\"meta\":{\"vocab_type\":2,\"n_vocab\":128256,\"n_ctx_train\":131072}}]}";
        StringBuilder stream = new StringBuilder();
        String[][] tokens = {{"Hello", "-0.1", "Hi", "-2.4"}, {" there", "-0.5", " world", "-1.2"}};
        for (String[] t : tokens) {
            String lp = logprobs ? "{\"content\":[{\"id\":9906,\"token\":\"" + t[0] + "\",\"bytes\":[],\"logprob\":" + t[1]
                    + ",\"top_logprobs\":[{\"id\":9906,\"token\":\"" + t[0] + "\",\"bytes\":[],\"logprob\":" + t[1]
                    + "},{\"id\":13347,\"token\":\"" + t[2] + "\",\"bytes\":[],\"logprob\":" + t[3] + "}]}]}" : "null";
            stream.append("data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":\"").append(t[0])
                    .append("\"},\"logprobs\":").append(lp).append("}],\"created\":1,\"id\":\"chatcmpl-x\",\"model\":\"m\","
                    + "\"object\":\"chat.completion.chunk\"}\n\n");
        }
        stream.append("data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}],\"created\":1,"
                + "\"id\":\"chatcmpl-x\",\"model\":\"m\",\"object\":\"chat.completion.chunk\",\"usage\":{\"completion_tokens\":2,"
                + "\"prompt_tokens\":9,\"total_tokens\":11},\"timings\":{\"predicted_n\":2}}\n\ndata: [DONE]\n\n");
        for (String[] route : new String[][] {{"/v1/models", models}, {"/v1/chat/completions", stream.toString()}}) {
            http.createContext(route[0], x -> {
                x.getRequestBody().readAllBytes();
                byte[] b = route[1].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, b.length);
                x.getResponseBody().write(b);
                x.close();
            });
        }
        http.start();
        return http;
    }

    @Test
    void theWindowOnARecordedLlamaCppServerWithAndWithoutLogprobs() throws Exception {
        for (boolean logprobs : new boolean[] {true, false}) {
            var http = recordedLlamaServer(logprobs);
            try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
                vm.model.connect("http://127.0.0.1:" + http.getAddress().getPort(), "", "").get(30, TimeUnit.SECONDS);
                assertTrue(vm.model.statusProperty().get().contains("does not expose attention"), vm.model.statusProperty().get());
                vm.chat.input.set("Hi");
                var reply = vm.chat.send().get(30, TimeUnit.SECONDS);
                assertEquals("Hello there", reply.text());
                if (logprobs) {
                    assertEquals(Math.exp(-0.1), reply.steps().get(0).p(), 1e-9);
                    assertEquals(2, reply.steps().get(0).top().length);
                    assertFalse(reply.steps().get(0).stages().isEmpty(), "our stages over the alternatives");
                } else {
                    assertEquals(0, reply.steps().get(0).top().length);
                    assertTrue(vm.alerts().stream().anyMatch(a -> a.contains("returned no logprobs")), vm.alerts().toString());
                }
                var items = vm.chat.messages(); // (the second window reopens the first one's chat, as it should)
                assertEquals("user:Hi", items.get(items.size() - 2).role() + ":" + items.get(items.size() - 2).text());
                assertEquals("assistant:Hello there", items.getLast().role() + ":" + items.getLast().text());
            } finally {
                http.stop(0);
            }
        }
    }

    @Test
    void attentionUnderAMaskAndItsErrors() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            talk(vm, 8, "Tom and Sue went to the park.");
            vm.attention.layer.set(1);
            vm.attention.refresh().get(30, TimeUnit.SECONDS);
            var causal = vm.attention.snapshotProperty().get();
            assertNotNull(causal);
            vm.attention.mask.set("sliding:w=3");
            vm.attention.compare.set(true);
            vm.attention.compareMask.set("global");
            vm.attention.refresh().get(30, TimeUnit.SECONDS);
            var sliding = vm.attention.snapshotProperty().get();
            assertNotEquals(causal.weights()[0][9][0], sliding.weights()[0][9][0], "the window hides position 0");
            assertEquals(0f, sliding.weights()[0][9][0]);
            assertEquals("global", vm.attention.comparedProperty().get().plan());

            vm.attention.mask.set("sliding:w=oops");
            assertTrue(vm.attention.refresh().isCompletedExceptionally());
            assertTrue(vm.attention.errorProperty().get().contains("whole number"), vm.attention.errorProperty().get());
            vm.attention.mask.set("L0-2@sliding:w=4");
            vm.attention.apply();
            assertEquals("L0-2@sliding:w=4", vm.attention.appliedProperty().get());
        }
    }

    /** A token picked in the chat before the attention panel first shows is selected when its snapshot arrives. */
    @Test
    void aTokenPickedBeforeTheAttentionPanelShowsIsSelectedWhenItDoes() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            talk(vm, 8, "Tom and Sue went to the park.");
            vm.attention.selectInChat(0, 4, 7); // "and" in "Tom and Sue", no snapshot yet
            assertEquals(-1, vm.attention.selectedTokenProperty().get());

            vm.attention.refresh().get(30, TimeUnit.SECONDS); // the panel shows
            int t = vm.attention.selectedTokenProperty().get();
            assertTrue(t >= 0, "the token picked before is selected");
            assertTrue(vm.attention.snapshotProperty().get().tokens()[t].contains("and"),
                    vm.attention.snapshotProperty().get().tokens()[t]);
            assertEquals(List.of(vm.attention.snapshotProperty().get().spans()[t]), vm.attention.chatHighlights());

            vm.attention.clearSelection(); // a later choice wins over the earlier pick
            vm.attention.refresh().get(30, TimeUnit.SECONDS);
            assertEquals(-1, vm.attention.selectedTokenProperty().get());
        }
    }

    @Test
    void theMaskAsControlsAndAsTextStayInStep() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            var a = vm.attention;
            a.maskKind.set("sliding");
            assertEquals("sliding:w=8", a.mask.get());
            a.maskValues.put("w", "3");
            assertEquals("sliding:w=3", a.mask.get());
            a.maskValues.put("causal", "false");
            assertEquals("sliding:w=3,causal=false", a.mask.get());
            a.mask.set("dilated:w=4,d=3");
            assertEquals("dilated", a.maskKind.get());
            assertEquals("3", a.maskValues.get("d"));
            a.mask.set("L0-1@sliding:w=4;L2-@causal");
            assertEquals(AttentionViewModel.PLAN, a.maskKind.get(), "a per-layer plan is edited as text");
            a.maskKind.set(AttentionViewModel.OWN);
            assertEquals("", a.mask.get());
        }
    }

    @Test
    void attentionFollowsEveryChangeOffTheUiThreadAndTheLatestChangeWins() throws Exception {
        java.util.concurrent.ExecutorService uiThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (ExplorerViewModel vm = onUi(uiThread, () -> new ExplorerViewModel(uiThread, dirs()))) {
            onUi(uiThread, () -> vm.model.open(STORIES)).get(30, TimeUnit.SECONDS);
            onUi(uiThread, () -> {
                vm.sampling.maxTokens.set(40);
                vm.chat.input.set("Tom and Sue went to the park.");
                return vm.chat.send();
            }).get(30, TimeUnit.SECONDS);
            onUi(uiThread, () -> {
                vm.attention.live.set(true); // the panel comes on screen
                return null;
            });
            waitFor(() -> onUi(uiThread, () -> vm.attention.snapshotProperty().get() != null));
            int before = onUi(uiThread, vm.attention::computations);
            // A burst of changes, as a dragged slider makes them: the connectivity follows each at once.
            onUi(uiThread, () -> {
                vm.attention.maskKind.set("sliding");
                for (int w = 2; w <= 12; w++) {
                    vm.attention.maskValues.put("w", String.valueOf(w));
                    boolean[][] c = vm.attention.connectivityProperty().get();
                    int n = c.length;
                    assertTrue(c[n - 1][n - w] && !c[n - 1][n - w - 1], "the mask drawn at once for w=" + w);
                }
                return null;
            });
            waitFor(() -> onUi(uiThread, () -> !vm.attention.busyProperty().get()
                    && "sliding:w=12".equals(vm.attention.snapshotProperty().get().plan())));
            int computed = onUi(uiThread, vm.attention::computations) - before;
            assertTrue(computed >= 1 && computed <= 3, "12 changes, " + computed + " computations (the latest wins)");
            assertFalse(onUi(uiThread, () -> vm.attention.staleProperty().get()));
            // Selecting a token of the chat selects its row and column; a cell lights up its two tokens.
            onUi(uiThread, () -> {
                vm.attention.selectInChat(0, 4, 7); // "and" in "Tom and Sue"
                int t = vm.attention.selectedTokenProperty().get();
                var s = vm.attention.snapshotProperty().get();
                assertTrue(s.tokens()[t].contains("and"), s.tokens()[t]);
                vm.attention.selectCell(t + 2, t);
                assertEquals(2, vm.attention.chatHighlights().size());
                assertEquals(0, vm.attention.chatHighlights().get(1).message());
                assertEquals(" and", "Tom and Sue".substring(vm.attention.chatHighlights().get(1).start(),
                        vm.attention.chatHighlights().get(1).end()));
                return null;
            });
        } finally {
            uiThread.shutdown();
        }
    }

    static <T> T onUi(java.util.concurrent.ExecutorService ui, java.util.concurrent.Callable<T> work) {
        try {
            return ui.submit(work).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void logitBiasWrittenAsTokenTextsReachesTheChain() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.sampling.resolveBias("' the'=-5, 13=+2.5").get(10, TimeUnit.SECONDS);
            assertEquals("", vm.sampling.biasErrorProperty().get());
            var bias = vm.sampling.settings().logitBias();
            assertEquals(2, bias.size());
            assertEquals(2.5f, bias.get(13));
            assertTrue(bias.containsValue(-5f));
            vm.sampling.resolveBias("' the dog'=-5").get(10, TimeUnit.SECONDS);
            assertTrue(vm.sampling.biasErrorProperty().get().contains("tokens here"), vm.sampling.biasErrorProperty().get());
            vm.sampling.resolveBias("13=oops").get(10, TimeUnit.SECONDS);
            assertTrue(vm.sampling.biasErrorProperty().get().contains("'oops' is not a number"));
            assertEquals(2, vm.sampling.settings().logitBias().size(), "a bad text keeps the last good bias");
        }
    }

    @Test
    void theStagesOrderAndSwitchesReachTheChainAndAreRemembered() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            for (int i = 0; i < 6; i++) {
                vm.sampling.move("temperature", -1);
            }
            vm.sampling.stagesOff.add("top_k");
            assertEquals(java.util.List.of("temperature", "logit_bias", "penalties", "typical_p", "top_p", "min_p"),
                    vm.sampling.settings().order());
            vm.context().saveSettings();
        }
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals("temperature", vm.sampling.settings().order().getFirst());
            assertFalse(vm.sampling.settings().order().contains("top_k"));
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.sampling.maxTokens.set(6);
            vm.chat.input.set("Once upon a time");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            var stages = vm.chat.messages().get(1).steps().getFirst().stages();
            assertEquals(java.util.List.of("raw", "temperature", "logit_bias", "penalties", "typical_p", "top_p", "min_p"),
                    stages.stream().map(StageReport::stage).toList(), "the reply ran the chain in that order");
        }
    }

    @Test
    void theEmptyChatSaysHowToBeginWithTheModelThatIsOpen() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertTrue(vm.chat.placeholderProperty().get().startsWith("Open a model"));
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            assertTrue(vm.chat.placeholderProperty().get().contains("no chat template: write the beginning"),
                    vm.chat.placeholderProperty().get());
        }
    }

    @Test
    void settingsPersistAndACorruptFileIsKeptAside() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.sampling.preset("Creative");
            vm.sampling.contextLimit.set(4096);
            vm.sampling.kvCache.set(KvCache.Type.Q8_0);
        }
        Settings saved = JsonStore.read(config.resolve("settings.json"), Settings.class, null, m -> { });
        assertEquals(1.2, saved.temperature, 1e-9);
        assertEquals(4096, saved.contextLimit, "the context set in the Generation panel is kept");
        assertEquals("Q8_0", saved.kvCache);
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals(KvCache.Type.Q8_0, vm.sampling.kvCache.get());
        }
        // an earlier version's file: only its half-precision switch
        Files.writeString(config.resolve("settings.json"), "{\"temperature\": 0.5, \"halfKvCache\": true}");
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals(KvCache.Type.F16, vm.sampling.kvCache.get());
        }
        Files.writeString(config.resolve("settings.json"), "{ this is not json");
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertTrue(vm.alerts().getFirst().contains("could not be read"), vm.alerts().toString());
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            assertTrue(vm.alerts().getFirst().contains("could not be read"), "still on screen after the model opened");
            vm.dismiss(vm.alerts().getFirst());
            assertTrue(vm.alerts().isEmpty());
            assertEquals(0.8, vm.sampling.temperature.get(), 1e-9, "defaults");
        }
        try (var files = Files.list(config)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("settings.json.corrupt-")));
        }
    }

    @Test
    void everyChatIsSavedAsItChangesAndTheLastOneIsThereAgainAfterARestart() throws Exception {
        String text;
        String firstId;
        String secondId;
        int usedByFirst;
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.sampling.maxTokens.set(10);
            vm.chat.input.set("Lily had a dog.");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            vm.history.flush().get(10, TimeUnit.SECONDS);
            text = vm.chat.messages().get(1).text();
            usedByFirst = vm.chat.contextUsedProperty().get();
            assertEquals(1, vm.history.entries().size(), "saved without asking");
            firstId = vm.history.currentProperty().get();
            assertEquals("Lily had a dog.", vm.history.entries().getFirst().title());

            vm.history.newChat();
            assertTrue(vm.chat.messages().isEmpty());
            waitFor(() -> vm.chat.contextUsedProperty().get() <= 1); // a new chat: nothing (or BOS) in the context
            vm.sampling.maxTokens.set(30); // a longer chat than the first, so their gauges differ
            vm.chat.input.set("Tom saw a big red ball.");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            vm.history.flush().get(10, TimeUnit.SECONDS);
            assertEquals(2, vm.history.entries().size());
            assertNotEquals(firstId, vm.history.currentProperty().get());
            // Reopened, a chat's gauge says what it fills (its text tokenized again: within a token or two).
            secondId = vm.history.currentProperty().get();
            assertTrue(vm.chat.contextUsedProperty().get() > usedByFirst + 10, vm.chat.contextUsedProperty().get()
                    + " against " + usedByFirst);
            vm.history.open(firstId).get(10, TimeUnit.SECONDS);
            waitFor(() -> Math.abs(vm.chat.contextUsedProperty().get() - usedByFirst) <= 2);
            vm.history.open(secondId).get(10, TimeUnit.SECONDS);
        } // closed like a window: the second chat is the last one
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            waitFor(() -> vm.chat.messages().size() == 2); // the last chat is open again, read off the UI thread
            vm.history.flush().get(10, TimeUnit.SECONDS); // and saved again as opened: let that write land before searching
            assertEquals("Tom saw a big red ball.", vm.chat.messages().get(0).text());
            // Search for a word of the first chat that the second, sampled at random, happens not to hold
            // ("dog" itself turned up in a second story once).
            var byId = vm.history.entries().stream().collect(java.util.stream.Collectors.toMap(e -> e.id(),
                    e -> (e.title() + "\n" + e.text()).toLowerCase(java.util.Locale.ROOT)));
            String second = byId.get(secondId);
            String word = java.util.Arrays.stream(byId.get(firstId).split("[^a-z]+")).filter(w -> w.length() >= 3 && !second.contains(w)).findFirst()
                    .orElseThrow(() -> new AssertionError("every word of the first chat is in the second: " + second));
            vm.history.search.set(word);
            assertEquals(List.of(firstId), vm.history.entries().stream().map(e -> e.id()).toList(),
                    "search finds the chat by its text ('" + word + "')");
            vm.history.open(firstId).get(10, TimeUnit.SECONDS);
            assertEquals(text, vm.chat.messages().get(1).text());
            assertEquals(10, vm.chat.messages().get(1).steps().size(), "token records come back too");
            vm.history.rename(firstId, "the dog story").get(10, TimeUnit.SECONDS);
            vm.history.search.set("");
            assertTrue(vm.history.entries().stream().anyMatch(e -> e.title().equals("the dog story")));

            Path exported = config.resolve("export.json");
            vm.history.export(exported);
            vm.history.delete(firstId).get(10, TimeUnit.SECONDS);
            assertEquals(1, vm.history.entries().size());
            assertTrue(vm.chat.messages().isEmpty(), "deleting the open chat leaves an empty one");
            vm.history.importChat(exported).get(10, TimeUnit.SECONDS);
            assertEquals(2, vm.history.entries().size());
            assertEquals(text, vm.chat.messages().get(1).text(), "an exported chat comes back whole");
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS); // the chat open before a model was: counted on loading
            waitFor(() -> Math.abs(vm.chat.contextUsedProperty().get() - usedByFirst) <= 2);
        }
        // A history index that cannot be read is rebuilt from the chat files.
        Files.writeString(config.resolve("chats").resolve("index.json"), "{ not json");
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals(2, vm.history.entries().size());
            assertTrue(vm.alerts().stream().anyMatch(a -> a.contains("index.json could not be read")), vm.alerts().toString());
        }
    }

    @Test
    void aReplyIsSavedWhileItStreamsSoACrashLosesLittle() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.sampling.maxTokens.set(60);
            vm.chat.input.set("Once upon a time");
            // The status bar follows the reply as it streams, not only when it ends.
            java.util.List<Integer> usedWhileStreaming = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.List<Double> speedWhileStreaming = new java.util.concurrent.CopyOnWriteArrayList<>();
            vm.chat.contextUsedProperty().addListener((o, a, b) -> {
                if (vm.chat.generatingProperty().get()) {
                    usedWhileStreaming.add(b.intValue());
                }
            });
            vm.chat.tokensPerSecondProperty().addListener((o, a, b) -> {
                if (vm.chat.generatingProperty().get()) {
                    speedWhileStreaming.add(b.doubleValue());
                }
            });
            java.util.List<Integer> stepsWhenFirstSaved = new java.util.concurrent.CopyOnWriteArrayList<>();
            vm.history.currentProperty().addListener((o, a, b) ->
                    stepsWhenFirstSaved.add(vm.chat.messages().size() < 2 ? 0 : vm.chat.messages().get(1).steps().size()));
            var reply = vm.chat.send().get(60, TimeUnit.SECONDS);
            assertEquals(1, stepsWhenFirstSaved.size());
            assertTrue(stepsWhenFirstSaved.getFirst() >= 1 && stepsWhenFirstSaved.getFirst() < reply.steps().size(),
                    "first saved while the reply was streaming, at token " + stepsWhenFirstSaved);
            assertTrue(usedWhileStreaming.size() >= reply.steps().size() / 2, "the context gauge moved with the tokens: "
                    + usedWhileStreaming);
            for (int i = 1; i < usedWhileStreaming.size(); i++) {
                assertTrue(usedWhileStreaming.get(i) > usedWhileStreaming.get(i - 1), usedWhileStreaming.toString());
            }
            assertTrue(speedWhileStreaming.size() >= reply.steps().size() / 2 && speedWhileStreaming.stream()
                    .allMatch(v -> v > 0 && Double.isFinite(v)), "the speed so far, at each token: " + speedWhileStreaming);
        }
    }

    @Test
    void compareTwoSettingsOnTheSameConversation() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.sampling.maxTokens.set(30);
            vm.chat.input.set("Once upon a time");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            var replies = vm.chat.compare(vm.sampling.settingsWithPreset("Greedy"), vm.sampling.settingsWithPreset("Greedy"))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(2, replies.size());
            assertEquals(replies.get(0).text(), replies.get(1).text(), "the same settings give the same reply");
            var differ = vm.chat.compare(vm.sampling.settingsWithPreset("Greedy"), vm.sampling.settingsWithPreset("Creative"))
                    .get(30, TimeUnit.SECONDS);
            assertNotEquals(differ.get(0).text(), differ.get(1).text());
            assertEquals(2, vm.chat.messages().size(), "comparisons stay out of the conversation");
            String csv = vm.chat.probabilitiesCsv();
            assertEquals(31, csv.lines().count(), "a header and one line per generated token");
        }
    }

    @Test
    void failuresAreReportedAndNothingIsLost() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            vm.sampling.maxTokens.set(5);
            vm.chat.input.set("Hello.");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            Path bad = Files.writeString(config.resolve("bad.gguf"), "GGUF but not really");
            try {
                vm.model.open(bad).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException expected) {
                // reported below
            }
            assertTrue(vm.noticeProperty().get().contains("bad.gguf"), vm.noticeProperty().get());
            assertEquals(2, vm.chat.messages().size(), "the conversation is kept");
            assertEquals("llama", vm.model.modelProperty().get().architecture(), "the old model stays loaded");

            // a Q8_0 cache for heads of 8 values: refused in words, the conversation kept
            vm.sampling.kvCache.set(KvCache.Type.Q8_0);
            vm.chat.input.set("And then?");
            try {
                vm.chat.send().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException expected) {
                // reported below
            }
            waitFor(() -> vm.noticeProperty().get().contains("blocks of 32"));
            assertTrue(vm.noticeProperty().get().contains("heads have 8"), vm.noticeProperty().get());
            assertEquals("Hello.", vm.chat.messages().getFirst().text(), "the conversation is kept");
            vm.sampling.kvCache.set(KvCache.Type.F16);
            vm.chat.input.set("And then?");
            vm.chat.send().get(30, TimeUnit.SECONDS);
            assertTrue(vm.chat.messages().size() >= 4, "replies again with a cache it can hold");
        }
    }

    /** The CPU threads chosen in the Model panel run the open model, and the next start uses them too. */
    @Test
    void theCpuThreadsAreChosenAndRemembered() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals(org.llmexplorer.engine.compute.Backends.defaultThreads(), vm.model.cpuThreadsProperty().get(),
                    "one per core at first");
            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            var simd = new org.llmexplorer.engine.compute.Backends.Choice("simd", "simd");
            vm.model.useBackend(simd).get(30, TimeUnit.SECONDS);
            vm.model.useThreads(3).get(30, TimeUnit.SECONDS);
            assertEquals("simd (3 threads)", vm.model.modelProperty().get().backend());
            vm.sampling.maxTokens.set(8);
            vm.chat.input.set("Once upon a time");
            assertEquals(8, vm.chat.send().get(30, TimeUnit.SECONDS).steps().size(), "and replies on it");
        }
        try (ExplorerViewModel again = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals(3, again.model.cpuThreadsProperty().get(), "remembered in settings.json");
            again.model.open(STORIES).get(30, TimeUnit.SECONDS);
            assertEquals("simd (3 threads)", again.model.modelProperty().get().backend());
        }
    }

    @Test
    void theBackendIsChosenRememberedAndARefusedOneKeepsTheModelWhereItWas() throws Exception {
        try (ExplorerViewModel vm = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals("auto", vm.model.backend.get().name(), "the default");
            vm.model.discoverBackends().get(30, TimeUnit.SECONDS);
            var names = vm.model.backends().stream().map(org.llmexplorer.engine.compute.Backends.Choice::name).toList();
            assertEquals(java.util.List.of("auto", "simd", "scalar"), names.subList(0, 3));
            assertEquals("remote", names.getLast(), "and last, a server");
            assertTrue(names.subList(3, names.size() - 1).stream().allMatch(n -> n.matches("opencl:\\d+")), names.toString());

            vm.model.open(STORIES).get(30, TimeUnit.SECONDS);
            var scalar = vm.model.backends().get(2);
            vm.model.useBackend(scalar).get(30, TimeUnit.SECONDS);
            assertEquals("scalar (1 thread)", vm.model.modelProperty().get().backend());
            assertTrue(vm.model.statusProperty().get().contains("scalar"), vm.model.statusProperty().get());

            var missing = new org.llmexplorer.engine.compute.Backends.Choice("opencl:99", "a device that is not there");
            var refused = vm.model.useBackend(missing);
            assertThrows(java.util.concurrent.ExecutionException.class, () -> refused.get(30, TimeUnit.SECONDS));
            assertEquals("scalar (1 thread)", vm.model.modelProperty().get().backend(), "still on the scalar path");
            assertTrue(vm.noticeProperty().get().contains("opencl:99"), vm.noticeProperty().get());
            assertEquals("scalar", vm.model.backend.get().name(), "the choice goes back");
        }
        try (ExplorerViewModel again = new ExplorerViewModel(Runnable::run, dirs())) {
            assertEquals("scalar", again.model.backend.get().name(), "remembered in settings.json");
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertTrue(condition.getAsBoolean(), "condition not reached");
    }

    @SuppressWarnings("unused")
    private static StageReport last(java.util.List<StageReport> s) {
        return s.getLast();
    }
}
