package org.llmexplorer.engine.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.sampling.StageReport;

class ChatSessionTest {

    static class Events implements SessionListener {
        final List<Step> tokens = new CopyOnWriteArrayList<>();
        final List<String> finished = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final List<String> notices = new CopyOnWriteArrayList<>();
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        final List<int[]> reading = new CopyOnWriteArrayList<>();
        volatile List<StageReport> resampled;
        volatile AttentionSnapshot attention;

        @Override
        public void token(int messageIndex, Step step) {
            tokens.add(step);
            threads.add(Thread.currentThread());
        }

        @Override
        public void reading(int messageIndex, int done, int total) {
            reading.add(new int[] {done, total});
        }

        @Override
        public void finished(int messageIndex, String reason, double tps) {
            finished.add(reason);
        }

        @Override
        public void failed(String what, Throwable error) {
            failures.add(what + ": " + error.getMessage());
        }

        @Override
        public void trimmed(int dropped, String notice) {
            notices.add(notice);
        }

        @Override
        public void resampled(int m, int s, int token, List<StageReport> stages) {
            resampled = stages;
        }

        @Override
        public void attention(AttentionSnapshot snapshot) {
            attention = snapshot;
        }
    }

    static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    /** Every turn as "[role] text", BOS from the template. */
    private static final String ROLES_TEMPLATE = "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}\n"
            + "{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";

    /** stories260K with a chat template added, written to {@code file}. */
    private static Path storiesWithTemplate(Path file, String template) throws java.io.IOException {
        try (var in = org.llmexplorer.engine.gguf.GgufFile.open(Shared.path("models/stories260K.gguf"))) {
            var w = new org.llmexplorer.engine.gguf.GgufWriter();
            in.metadata().forEach(w::put);
            w.put("tokenizer.chat_template", org.llmexplorer.engine.gguf.GgufValue.ofString(template));
            for (var t : in.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), org.llmexplorer.engine.gguf.GgufWriter.TensorSource.of(in.data(t)));
            }
            w.write(file);
        }
        return file;
    }

    /**
     * The context gauge: a restored chat is counted when the model opens and when another is
     * restored; a chat the template refuses (it raises on an assistant turn first) leaves the
     * gauge as it was and the model opens all the same.
     */
    @Test
    void aRestoredChatIsCountedAndOneTheTemplateRefusesDoesNotStopTheModel(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path file = storiesWithTemplate(dir.resolve("stories-strict.gguf"),
                "{% if messages[0].role != 'user' %}{{ raise_exception('a chat begins with the user') }}{% endif %}"
                + ROLES_TEMPLATE);
        List<int[]> usage = new CopyOnWriteArrayList<>();
        Events events = new Events() {
            @Override
            public void contextUsage(int used, int capacity) {
                usage.add(new int[] {used, capacity});
            }
        };
        try (ChatSession session = new ChatSession(events)) {
            session.restore(List.of(new Message("user", "Tom had a ball.", List.of()),
                    new Message("assistant", "He threw it.", List.of())));
            await(session.open(file));
            int[] counted = usage.getLast();
            // "<s>[user] Tom had a ball.\n[assistant] He threw it.\n", tokenized by the model
            int[] expected = await(session.tokenize("[user] Tom had a ball.\n[assistant] He threw it.\n"));
            assertEquals(expected.length + 1, counted[0], "the conversation's tokens and BOS");
            int before = usage.size();
            session.restore(List.of(new Message("assistant", "Out of nowhere.", List.of())));
            await(session.tokenize("")); // the session's thread has run the count by now
            assertEquals(before, usage.size(), "a conversation the template refuses leaves the gauge as it was");
            ModelSummary again = await(session.open(file));
            assertTrue(again.chatTemplate(), "and the model opens under it all the same");
        }
    }

    @Test
    void aModelWithAChatTemplateReadsTheRenderedConversation(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // stories260K with a chat template added: every turn rendered as "[role] text", BOS from
        // the template (so the tokenizer must not add a second one).
        Path file = storiesWithTemplate(dir.resolve("stories-chat.gguf"), ROLES_TEMPLATE);
        Events events = new Events();
        try (ChatSession session = new ChatSession(events)) {
            ModelSummary m = await(session.open(file));
            assertTrue(m.chatTemplate());
            session.settings(SamplingSettings.defaults(0f, 1), true, 12);
            session.systemPrompt("Tell a story.");
            Message reply = await(session.send("Tom had a ball."));
            AttentionSnapshot snap = await(session.attention(0, null));
            String transcript = String.join("", snap.tokens());
            assertTrue(transcript.startsWith("<s>"), transcript);
            assertEquals(transcript.indexOf("<s>"), transcript.lastIndexOf("<s>"), "one BOS: " + transcript);
            assertTrue(transcript.contains("[system] Tell a story.\n[user] Tom had a ball.\n[assistant]"), transcript);
            assertTrue(transcript.endsWith(reply.text() + "\n"), transcript);
            // Each token knows its message: the user's words and the reply's, not the template's markers.
            StringBuilder user = new StringBuilder();
            StringBuilder assistant = new StringBuilder();
            for (int i = 0; i < snap.tokens().length; i++) {
                TokenSpan s = snap.spans()[i];
                if (s.message() >= 0) {
                    (s.message() == 0 ? user : assistant).append(session.conversation().get(s.message()).text(),
                            s.start(), s.end());
                }
            }
            assertEquals("Tom had a ball.", user.toString());
            assertEquals(reply.text(), assistant.toString());
            int firstOfReply = snap.tokenAt(1, 0, 1);
            assertTrue(firstOfReply > 0 && snap.spans()[firstOfReply].start() == 0, "reply starts at a token");
            assertTrue(events.failures.isEmpty(), events.failures.toString());
        }
    }

    /** With the KV cache in half precision, a greedy reply is the one a generator with such a cache gives. */
    @Test
    void aHalfPrecisionCacheGivesTheRepliesOfAHalfPrecisionGenerator() throws Exception {
        try (ChatSession session = new ChatSession(new Events());
             var model = org.llmexplorer.engine.model.Model.open(Shared.path("models/stories260K.gguf"));
             var simd = org.llmexplorer.engine.compute.Backends.create("simd", 2)) {
            ModelSummary f32 = await(session.open(Shared.path("models/stories260K.gguf")));
            session.kvCache(org.llmexplorer.engine.model.KvCache.Type.F16);
            ModelSummary f16 = await(session.switchBackend("simd", 2));
            assertEquals(f32.kvCacheBytes(), 2 * f16.kvCacheBytes(), "the model card's KV figure halves");
            session.settings(SamplingSettings.defaults(0f, 1), true, 40);
            Message reply = await(session.send("Once upon a time"));
            int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
            var g = new org.llmexplorer.engine.generate.Generator(model, simd, 128, 32,
                    org.llmexplorer.engine.model.KvCache.Type.F16);
            var expected = g.generate(prompt, reply.steps().size(), org.llmexplorer.engine.sampling.Sampler.greedy(), 0,
                    null, null);
            assertArrayEquals(expected.generatedIds(), reply.steps().stream().mapToInt(Step::token).toArray());
            var inFloats = new org.llmexplorer.engine.generate.Generator(model, simd, 128, 32).generate(prompt,
                    reply.steps().size(), org.llmexplorer.engine.sampling.Sampler.greedy(), 0, null, null);
            boolean differsFromF32 = false;
            for (int i = 0; i < reply.steps().size(); i++) {
                assertEquals(expected.tokens().get(i).p(), reply.steps().get(i).p(), 0.0, "the F16 cache's probabilities");
                differsFromF32 |= inFloats.tokens().get(i).p() != reply.steps().get(i).p();
            }
            assertTrue(differsFromF32, "half precision moves the probabilities a little");
        }
    }

    @Test
    void aBackendThatCannotStartFallsBackToTheCpuAndSaysSo() throws Exception {
        // The engine's tests run without the opencl module: asking for it must not fail the open.
        Events events = new Events();
        try (ChatSession session = new ChatSession(events)) {
            session.backend("opencl:0", 2);
            ModelSummary m = await(session.open(Shared.path("models/stories260K.gguf")));
            assertEquals("simd (2 threads)", m.backend());
            assertEquals(1, events.failures.size(), events.failures.toString());
            assertTrue(events.failures.getFirst().contains("backend opencl:0")
                    && events.failures.getFirst().contains("not part of this build"), events.failures.toString());
            session.settings(SamplingSettings.defaults(0f, 1), true, 10);
            String onSimd = await(session.send("Once upon a time")).text();

            // Moving the open model to the scalar reference keeps the conversation and, greedy,
            // the reply; a backend that cannot start leaves the model where it was.
            ModelSummary scalar = await(session.switchBackend("scalar", 2));
            assertEquals("scalar (1 thread)", scalar.backend());
            assertEquals(onSimd, await(session.regenerate()).text());
            var refused = session.switchBackend("no-such-backend", 2);
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(refused));
            assertTrue(e.getCause().getMessage().contains("unknown backend 'no-such-backend'"), e.getCause().getMessage());
            assertEquals(onSimd, await(session.regenerate()).text());
            assertEquals(2, session.conversation().size());
        }
    }

    @Test
    void aConversationWithTheStoriesModel() throws Exception {
        Events events = new Events();
        try (ChatSession session = new ChatSession(events)) {
            ModelSummary m = await(session.open(Shared.path("models/stories260K.gguf")));
            assertEquals("llama", m.architecture());
            assertEquals(5, m.layers());
            assertEquals("causal", m.trainedMask());
            session.settings(SamplingSettings.defaults(0.8f, 7), true, 24);

            Message reply = await(session.send("Once upon a time"));
            assertEquals("assistant", reply.role());
            assertEquals(24, reply.steps().size());
            assertEquals(24, events.tokens.size(), "every token streamed");
            assertTrue(events.threads.stream().allMatch(t -> t.getName().equals("llmx-session")));
            StringBuilder streamed = new StringBuilder();
            events.tokens.forEach(s -> streamed.append(s.text()));
            assertEquals(reply.text(), streamed.toString());
            assertEquals(8, reply.steps().get(0).stages().size(), "raw + seven stages");
            // how far the prompt was read, told before its first pass and after each
            assertTrue(events.reading.size() >= 2, "reading events: " + events.reading.size());
            int total = events.reading.getFirst()[1];
            assertEquals(0, events.reading.getFirst()[0]);
            assertEquals(total, events.reading.getLast()[0]);
            assertEquals(reply.steps().getFirst().position(), total, "every prompt token is new in a first reply");

            // Locked seed: regenerating gives the same reply.
            Message again = await(session.regenerate());
            assertEquals(reply.text(), again.text());
            assertEquals(2, session.conversation().size());

            // Re-sampling a step with a cold temperature picks its most likely token.
            await(session.resample(1, 3, SamplingSettings.defaults(0.8f, 7).withTemperature(0f)));
            StageReport last = events.resampled.getLast();
            assertEquals(1, last.survivors());

            // Branch at step 3 with the runner-up: the reply keeps steps 0..2, then that token.
            int alternative = again.steps().get(3).top()[1].id();
            Message branched = await(session.branch(1, 3, alternative));
            assertEquals(alternative, branched.steps().get(3).token());
            for (int i = 0; i < 3; i++) {
                assertEquals(again.steps().get(i).token(), branched.steps().get(i).token());
            }

            // Each step keeps its distribution's entropy: at least what its top tokens contribute, at most log2(vocab).
            for (Step st : again.steps()) {
                double partial = 0;
                for (var t : st.top()) {
                    partial -= t.p() * Math.log(t.p()) / Math.log(2);
                }
                assertTrue(st.entropy() != null && st.entropy() >= partial - 1e-9 && st.entropy() <= 9 + 1e-9,
                        st.entropy() + " vs " + partial);
            }

            // The deeper views run on the session's thread with the open model.
            var lens = await(session.inspect("lens", (pass, tokenizer, cancelled) -> org.llmexplorer.engine.inspect
                    .LogitLens.of(pass, tokenizer.encode("Once upon a time", true, true), 3, null, cancelled)));
            assertEquals(5, lens.layers());
            var cancelledSweep = session.inspect("sweep", (pass, tokenizer, cancelled) -> {
                session.stop(); // as the Cancel button does while the sweep runs
                return org.llmexplorer.engine.inspect.KnockOut.sweep(pass, tokenizer.encode("Once upon a time", true, true),
                        -1, -1, org.llmexplorer.engine.inspect.KnockOut.Mode.ZERO, null, cancelled);
            });
            assertThrows(java.util.concurrent.CancellationException.class, () -> cancelledSweep.get(30, TimeUnit.SECONDS));
            events.failures.clear(); // the cancelled sweep is reported as failed, as a cancelled reply is

            // Attention of layer 2 over the conversation, under a sliding window.
            AttentionSnapshot snap = await(session.attention(2, MaskPlan.parse("sliding:w=4", null)));
            int n = snap.tokens().length;
            assertEquals(8, snap.weights().length);
            for (int h = 0; h < 8; h++) {
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        assertEquals(snap.allowed()[h][i][j], snap.weights()[h][i][j] > 0);
                        sum += snap.weights()[h][i][j];
                    }
                    assertEquals(1.0, sum, 1e-5);
                }
            }

            // Editing the first message replaces everything after it.
            await(session.edit(0, "Tom had a ball."));
            assertEquals("Tom had a ball.", session.conversation().get(0).text());
            assertEquals(2, session.conversation().size());
            assertTrue(events.failures.isEmpty(), events.failures.toString());
        }
    }

    @Test
    void stopCancelsAndFailuresKeepTheConversation() throws Exception {
        Events events = new Events();
        try (ChatSession session = new ChatSession(events)) {
            await(session.open(Shared.path("models/stories260K.gguf")));
            session.settings(SamplingSettings.defaults(0.8f, 1), false, 100);
            var running = session.send("Once upon a time");
            session.stop();
            Message partial = await(running);
            assertTrue(partial.steps().size() < 100, "stopped early");
            assertEquals("cancelled", events.finished.getLast());

            List<Message> before = session.conversation();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> await(session.open(Path.of("no-such-model.gguf"))));
            assertTrue(e.getCause().getMessage().contains("no-such-model.gguf"));
            assertEquals(1, events.failures.size());
            assertEquals(before, session.conversation(), "nothing lost");
            // The old model still works.
            Message next = await(session.send(" The end."));
            assertNotEquals(0, next.steps().size());
        }
    }

    @Test
    void oldTurnsSlideOutOfASmallContext() throws Exception {
        Events events = new Events();
        try (ChatSession session = new ChatSession(events)) {
            await(session.open(Shared.path("models/stories260K.gguf")));
            session.contextLimit(64);
            session.settings(SamplingSettings.defaults(0.8f, 3), true, 20);
            for (int i = 0; i < 4; i++) {
                await(session.send(" Lily went to the park with her mom and dad."));
            }
            assertTrue(!events.notices.isEmpty(), "the session said the oldest turns slid out");
            assertTrue(events.notices.getLast().contains("64-token context"), events.notices.getLast());
            assertTrue(session.conversation().size() < 8);

            // one message longer than the whole context: said in words, the message kept, no empty reply
            List<Message> earlier = session.conversation();
            String tooLong = " Lily went to the park with her mom and dad.".repeat(6);
            ExecutionException e = assertThrows(ExecutionException.class, () -> await(session.send(tooLong)));
            assertTrue(e.getCause().getMessage().matches("the conversation takes \\d+ tokens and the context holds 64: "
                    + "shorten the message, or allow a longer context"), e.getCause().getMessage());
            assertEquals(Message.user(tooLong), session.conversation().getLast(), "the message is kept");
            assertEquals(earlier, session.conversation().subList(0, earlier.size()), "no older turn slid out for it");
            session.contextLimit(128); // the model's own
            Message reply = await(session.regenerate());
            assertEquals("assistant", reply.role(), "a larger context takes it");
            assertEquals(20, reply.steps().size());
        }
    }

    @Test
    void attentionAndResamplingAskedWhileAReplyStreamsAreAnsweredBetweenItsTokens() throws Exception {
        java.util.concurrent.atomic.AtomicReference<ChatSession> self = new java.util.concurrent.atomic.AtomicReference<>();
        List<java.util.concurrent.CompletableFuture<?>> asked = new CopyOnWriteArrayList<>();
        List<Boolean> doneAtNextToken = new CopyOnWriteArrayList<>();
        Events events = new Events() {
            @Override
            public void token(int messageIndex, Step step) {
                super.token(messageIndex, step);
                if (tokens.size() == 6) { // the 6th token: ask, as a view would while watching
                    asked.add(self.get().attention(1, null));
                    asked.add(self.get().resample(messageIndex, 2, SamplingSettings.greedy()));
                } else if (tokens.size() == 7) {
                    asked.forEach(f -> doneAtNextToken.add(f.isDone()));
                }
            }
        };
        try (ChatSession session = new ChatSession(events)) {
            self.set(session);
            await(session.open(Shared.path("models/stories260K.gguf")));
            session.settings(SamplingSettings.defaults(0f, 1), true, 40);
            Message reply = await(session.send("Once upon a time"));
            assertEquals(List.of(true, true), doneAtNextToken, "answered before the 7th token");
            AttentionSnapshot during = (AttentionSnapshot) asked.get(0).get();
            AttentionSnapshot after = await(session.attention(1, null));
            assertTrue(reply.steps().size() > 10, reply.text());
            assertTrue(during.tokens().length < after.tokens().length, "the reply so far, not the whole reply");
            assertEquals(reply.steps().get(2).token(), (int) (Integer) asked.get(1).get(), "greedy re-sample of step 2");
            assertTrue(events.failures.isEmpty(), events.failures.toString());
        }
    }
}
