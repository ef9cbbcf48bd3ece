package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.Probe;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Workspace;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * The device backend as the rest of the engine meets it: recorded attention, the KV cache
 * moving between device and host, copied conversations (beam search), masks that list keys,
 * the per-model fallback to the CPU, and how Backends creates it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceBackendTest {
    private static final String STORIES = "models/stories260K.gguf";
    private OpenClCompute device;
    private Compute cpu;
    private final Compute scalar = new org.llmexplorer.engine.compute.ScalarCompute();

    @BeforeAll
    void start() {
        device = TestDevice.compute();
        cpu = new SimdCompute(2);
    }

    @AfterAll
    void stop() {
        if (device != null) {
            device.close();
        }
        if (cpu != null) {
            cpu.close();
        }
    }

    /** Every head of every layer, under the trained mask and under masks that list scattered keys: within 1e-4 of the CPU's weights. */
    @ParameterizedTest
    @ValueSource(strings = {"", "L0@strided:l=3;L1-@random:r=4,seed=3,causal=true"})
    void recordedAttentionMatchesTheCpu(String spec) throws Exception {
        try (Model model = Model.open(Shared.path(STORIES))) {
            var c = model.config();
            MaskPlan masks = spec.isEmpty() ? c.trainedMask() : MaskPlan.parse(spec, c.trainedMask());
            int[] prompt = model.tokenizer().encode("Once upon a time there was a little dog", true, true);
            int size = prompt.length + 6;
            AttentionMatrix onCpu = new AttentionMatrix(c.layers(), c.heads(), size, (l, h) -> true);
            AttentionMatrix onDevice = new AttentionMatrix(c.layers(), c.heads(), size, (l, h) -> true);
            Generator a = new Generator(model, cpu, size).masks(masks);
            a.state().recorder(onCpu);
            GenerationResult ra = a.generate(prompt, 6, Sampler.greedy(), 0, null, null);
            Generator b = new Generator(model, device, size).masks(masks);
            b.state().recorder(onDevice);
            GenerationResult rb = b.generate(prompt, 6, Sampler.greedy(), 0, null, null);
            assertArrayEquals(ra.generatedIds(), rb.generatedIds());
            double worst = 0;
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    float[][] x = onCpu.weights(l, h);
                    float[][] y = onDevice.weights(l, h);
                    for (int q = 0; q < size - 1; q++) {
                        for (int k = 0; k < size; k++) {
                            worst = Math.max(worst, Math.abs(x[q][k] - y[q][k]));
                        }
                    }
                }
            }
            System.out.printf("recorded attention '%s': max |device - simd| = %.2e%n", spec, worst);
            assertTrue(worst <= 1e-4, "attention weights differ by " + worst);
        }
    }

    /** A conversation that moves CPU -> device -> CPU gives the logits of one that stays on the CPU. */
    @Test
    void theKvCacheMovesBetweenHostAndDevice() throws Exception {
        try (Model model = Model.open(Shared.path(STORIES))) {
            Transformer t = model.transformer();
            MaskPlan masks = model.config().trainedMask();
            int[] tokens = model.tokenizer().encode("Lily and Ben went to the beach to play", true, true);
            int n = tokens.length;
            InferenceState reference = new InferenceState(model.config(), 64, 8);
            InferenceState moving = new InferenceState(model.config(), 64, 8);
            for (int i = 0; i < n; i++) {
                t.forward(cpu, reference, masks, tokens, i, 1, i, false);
                Compute ops = i < 3 || i >= 7 ? cpu : device;
                t.forward(ops, moving, masks, tokens, i, 1, i, false);
                assertEquals(i >= 3 && i < 7, moving.deviceWorkspace() != null, "where the cache is after token " + i);
                assertArrayEquals(reference.logits(), moving.logits(), 1e-4f, "logits after token " + i);
            }
        }
    }

    /** Beam search forks conversations with copyCacheFrom: on the device the copy stays on the device. */
    @Test
    void copiedConversationsContinueAlike() throws Exception {
        try (Model model = Model.open(Shared.path(STORIES))) {
            Transformer t = model.transformer();
            MaskPlan masks = model.config().trainedMask();
            int[] tokens = model.tokenizer().encode("One day, a bird flew", true, true);
            int n = tokens.length;
            InferenceState parent = new InferenceState(model.config(), 32, 8);
            t.forward(device, parent, masks, tokens, 0, n - 1, 0, false);
            InferenceState child = new InferenceState(model.config(), 32, 1);
            child.copyCacheFrom(parent, n - 1);
            assertNotNull(child.deviceWorkspace(), "the copy is on the device");
            t.forward(device, child, masks, tokens, n - 1, 1, n - 1, false);
            InferenceState reference = new InferenceState(model.config(), 32, 8);
            t.forward(cpu, reference, masks, tokens, 0, n, 0, false);
            assertArrayEquals(reference.logits(), child.logits(), 1e-4f);
        }
    }

    /**
     * A device without a step's kernel runs that step alone on the CPU and the rest of the pass
     * on the device: here every step the model needs and its weight type's matrix product are
     * taken away (gpt2: LayerNorm, GELU, biases; llama: RMSNorm, rope, SwiGLU; Q8_0 products), and
     * the greedy tokens are still the CPU's, with the conversation on the device.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2-F32", "tiny-llama-gqa-F32", "tiny-llama-gqa-Q8_0", "tiny-qwen2-F32"})
    void stepsWithoutAKernelRunOnTheCpuOneByOne(String name) throws Exception {
        try (OpenClCompute partial = new OpenClCompute(TestDevice.get(), 2, EnumSet.allOf(Workspace.Op.class),
                EnumSet.of(GgmlType.F32, GgmlType.Q8_0));
             Model model = Model.open(Shared.path("archs/" + name + ".gguf"))) {
            assertFalse(partial.supports(Compute.Op.MATMUL, GgmlType.Q8_0));
            assertNull(partial.declines(model.transformer()), "the device still runs the model");
            java.util.List<String> onCpu = model.transformer().hostSteps(partial);
            assertTrue(onCpu.stream().anyMatch(s -> s.startsWith("matmul of ")), onCpu.toString());
            assertTrue(onCpu.contains(model.config().architecture().equals("gpt2") ? "layer_norm" : "rms_norm"),
                    onCpu.toString());

            int[] prompt = model.tokenizer().encode("The cat sat on the mat and", true, true);
            Generator g = new Generator(model, partial, prompt.length + 12);
            GenerationResult mixed = g.generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertNotNull(g.state().deviceWorkspace(), "the conversation is on the device");
            GenerationResult onHost = new Generator(model, cpu, prompt.length + 12)
                    .generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertArrayEquals(onHost.generatedIds(), mixed.generatedIds());
            GenerationResult wholeDevice = new Generator(model, device, prompt.length + 12)
                    .generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertArrayEquals(wholeDevice.generatedIds(), mixed.generatedIds(), "the fallback gives the device path's tokens");
        }
    }

    /**
     * A device does not hold Q8_0 caches: a conversation with one runs on the CPU from its first
     * pass (the model card says so), gives the CPU's tokens, and a device conversation in floats
     * copied into one comes home quantized.
     */
    @Test
    void aQ8_0CacheKeepsTheConversationOnTheCpu() throws Exception {
        var q8 = org.llmexplorer.engine.model.KvCache.Type.Q8_0;
        try (Model model = Model.open(Shared.path("archs/tiny-llama-gqa-Q8_0.gguf"))) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            Generator onDevice = new Generator(model, device, prompt.length + 16, 8, q8);
            GenerationResult a = onDevice.generate(prompt, 16, Sampler.greedy(), 0, null, null);
            assertNull(onDevice.state().deviceWorkspace(), "the conversation stays on the CPU");
            GenerationResult b = new Generator(model, cpu, prompt.length + 16, 8, q8)
                    .generate(prompt, 16, Sampler.greedy(), 0, null, null);
            assertArrayEquals(b.generatedIds(), a.generatedIds());

            var c = model.config();
            InferenceState floats = new InferenceState(c, 64, 8);
            model.transformer().forward(device, floats, c.trainedMask(), prompt, 0, prompt.length, 0, false);
            assertNotNull(floats.deviceWorkspace());
            InferenceState copy = new InferenceState(c, 64, 8, q8);
            copy.copyCacheFrom(floats, prompt.length); // from the device, through the host
            floats.leaveDevice();
            InferenceState reference = new InferenceState(c, 64, 8, q8);
            reference.copyCacheFrom(floats, prompt.length); // host to host
            int[] next = {prompt[1]};
            model.transformer().forward(device, copy, c.trainedMask(), next, 0, 1, prompt.length, false);
            model.transformer().forward(cpu, reference, c.trainedMask(), next, 0, 1, prompt.length, false);
            assertArrayEquals(reference.logits(), copy.logits(), 1e-5f, "the copy holds the device's keys and values quantized");
            assertNull(copy.deviceWorkspace());
        }
    }

    /**
     * A half-precision KV cache on the device: half the cache's device memory, the CPU's greedy
     * tokens with the same cache type, forks copied on the device, and a conversation that moves CPU -> device -> CPU gives
     * the logits of one that stays on the CPU (halves pass between the two unchanged).
     */
    @Test
    void aHalfPrecisionCacheRunsOnTheDevice() throws Exception {
        var f16 = org.llmexplorer.engine.model.KvCache.Type.F16;
        var f32 = org.llmexplorer.engine.model.KvCache.Type.F32;
        try (Model model = Model.open(Shared.path(STORIES))) {
            var c = model.config();
            Transformer t = model.transformer();
            MaskPlan masks = c.trainedMask();
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            Generator onDevice = new Generator(model, device, prompt.length + 24, 8, f16);
            GenerationResult a = onDevice.generate(prompt, 24, Sampler.greedy(), 0, null, null);
            assertNotNull(onDevice.state().deviceWorkspace(), "the conversation is on the device");
            GenerationResult b = new Generator(model, cpu, prompt.length + 24, 8, f16)
                    .generate(prompt, 24, Sampler.greedy(), 0, null, null);
            assertArrayEquals(b.generatedIds(), a.generatedIds());

            int context = 256;
            InferenceState warmUp = new InferenceState(c, context, 8, f32); // uploads the weights
            t.forward(device, warmUp, masks, prompt, 0, prompt.length, 0, false);
            System.gc(); // conversations of earlier tests give their device memory back now, not while we measure
            Thread.sleep(300);
            long before = DeviceMemory.bytesInUse();
            InferenceState inFloats = new InferenceState(c, context, 8, f32);
            t.forward(device, inFloats, masks, prompt, 0, prompt.length, 0, false);
            long floats = DeviceMemory.bytesInUse() - before;
            before = DeviceMemory.bytesInUse();
            InferenceState inHalves = new InferenceState(c, context, 8, f16);
            t.forward(device, inHalves, masks, prompt, 0, prompt.length, 0, false);
            long halves = DeviceMemory.bytesInUse() - before;
            assertEquals(org.llmexplorer.engine.model.KvCache.bytes(c.layers(), c.kvDim(), context, f32) / 2,
                    floats - halves, "device bytes saved");
            assertNotNull(inFloats.deviceWorkspace());
            assertNotNull(inHalves.deviceWorkspace());
            java.lang.ref.Reference.reachabilityFence(warmUp);
            java.lang.ref.Reference.reachabilityFence(onDevice);

            // a copy on the device (a beam's fork) continues exactly as the conversation it copies
            InferenceState fork = new InferenceState(c, context, 1, f16);
            fork.copyCacheFrom(inHalves, prompt.length);
            assertNotNull(fork.deviceWorkspace(), "the copy is on the device");
            int[] next = {prompt[1]};
            t.forward(device, fork, masks, next, 0, 1, prompt.length, false);
            t.forward(device, inHalves, masks, next, 0, 1, prompt.length, false);
            assertArrayEquals(inHalves.logits(), fork.logits());

            // A key or weight at a half's rounding boundary goes either way with the last bit of
            // what is rounded, so the yardstick is how far two CPU backends part: scalar and SIMD.
            int[] tokens = model.tokenizer().encode("Lily and Ben went to the beach to play", true, true);
            InferenceState scalarRun = new InferenceState(c, 64, 8, f16);
            InferenceState reference = new InferenceState(c, 64, 8, f16);
            InferenceState moving = new InferenceState(c, 64, 8, f16);
            Compute scalar = new org.llmexplorer.engine.compute.ScalarCompute();
            double spread = 0;
            double worst = 0;
            for (int i = 0; i < tokens.length; i++) {
                t.forward(scalar, scalarRun, masks, tokens, i, 1, i, false);
                t.forward(cpu, reference, masks, tokens, i, 1, i, false);
                Compute ops = i < 3 || i >= 7 ? cpu : device;
                t.forward(ops, moving, masks, tokens, i, 1, i, false);
                assertEquals(i >= 3 && i < 7, moving.deviceWorkspace() != null, "where the cache is after token " + i);
                for (int v = 0; v < c.vocabSize(); v++) {
                    spread = Math.max(spread, Math.abs(reference.logits()[v] - scalarRun.logits()[v]));
                    worst = Math.max(worst, Math.abs(reference.logits()[v] - moving.logits()[v]));
                }
            }
            System.out.printf("half-precision cache: max |logit difference| host/device/host vs simd %.2e, "
                    + "scalar vs simd %.2e%n", worst, spread);
            assertTrue(worst <= Math.max(1e-4, 2 * spread), "logits differ by " + worst + ", scalar and simd by " + spread);
        }
    }

    /**
     * Probes on the device: one that writes every value back as it read it changes no bit of the
     * logits; the residual it reads after the last layer is what the CPU computes, within the
     * device's rounding; and a knocked-out feed-forward block leaves embedding plus attention.
     */
    @ParameterizedTest
    @ValueSource(strings = {STORIES, "archs/tiny-gpt2-F32.gguf", "archs/tiny-llama-gqa-Q8_0.gguf"})
    void probesOnTheDeviceSeeAndWriteWhatThePassUses(String path) throws Exception {
        try (Model model = Model.open(Shared.path(path))) {
            var c = model.config();
            int[] tokens = model.tokenizer().encode("Lily saw a big red ball in the park", true, true);
            int n = tokens.length;
            int[] identityCalls = {0};
            Probe identity = new Probe() {
                @Override
                public boolean watches(Site site, int layer) {
                    return true;
                }

                @Override
                public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                    identityCalls[0]++;
                    return true;
                }
            };
            float[] plain = logits(model, device, null, tokens);
            float[] probed = logits(model, device, identity, tokens);
            assertEquals(4 * c.layers() + 1, identityCalls[0]);
            assertArrayEquals(plain, probed, 0f, "an identity probe on the device changes nothing");

            // The nearer of the two CPU backends: the device multiplies 8-bit weights with rounded activations in
            // floats, as the scalar backend does, the SIMD backend sums their codes as integers, as llama.cpp does;
            // a last-bit difference moves an activation's 8-bit code now and then, and a random model carries it on.
            float[][] onDevice = new float[1][];
            float[][] onSimd = new float[1][];
            float[][] onScalar = new float[1][];
            int last = c.layers() - 1;
            logits(model, device, residualAt(last, onDevice), tokens);
            logits(model, cpu, residualAt(last, onSimd), tokens);
            logits(model, scalar, residualAt(last, onScalar), tokens);
            assertEquals(n * c.dim(), onDevice[0].length);
            float[] onCpu = maxDifference(onSimd[0], onDevice[0]) <= maxDifference(onScalar[0], onDevice[0])
                    ? onSimd[0] : onScalar[0];
            assertArrayEquals(onCpu, onDevice[0], 2e-3f, "the residual stream after the last layer");

            float[] knocked = logits(model, device, withoutFirstFeedForward(), tokens);
            float[] knockedOnSimd = logits(model, cpu, withoutFirstFeedForward(), tokens);
            float[] knockedOnScalar = logits(model, scalar, withoutFirstFeedForward(), tokens);
            float[] knockedOnCpu = maxDifference(knockedOnSimd, knocked) <= maxDifference(knockedOnScalar, knocked)
                    ? knockedOnSimd : knockedOnScalar;
            // The device's rounding differs from the CPU's a little; the knock-out moves the logits far more.
            double rounding = maxDifference(knockedOnCpu, knocked);
            double effect = maxDifference(plain, knocked);
            assertTrue(rounding < 1e-2 && effect > 20 * rounding,
                    "the knock-out reaches the device's pass and is the CPU's: differs by " + rounding + ", moves by " + effect);
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static Probe withoutFirstFeedForward() {
        return new Probe() {
            @Override
            public boolean watches(Site site, int layer) {
                return site == Site.FFN_OUT && layer == 0;
            }

            @Override
            public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                java.util.Arrays.fill(values, 0f);
                return true;
            }
        };
    }

    private static Probe residualAt(int layer, float[][] into) {
        return new Probe() {
            @Override
            public boolean watches(Site site, int l) {
                return site == Site.RESIDUAL && l == layer;
            }

            @Override
            public boolean at(Site site, int l, int startPos, int count, int width, float[] values) {
                into[0] = values.clone();
                return false;
            }
        };
    }

    private static float[] logits(Model model, Compute ops, Probe probe, int[] tokens) {
        InferenceState s = new InferenceState(model.config(), 64, tokens.length);
        s.probe(probe);
        model.transformer().forward(ops, s, model.config().trainedMask(), tokens, 0, tokens.length, 0, true);
        return java.util.Arrays.copyOf(s.logits(), tokens.length * model.config().vocabSize());
    }

    /**
     * What cannot be split off, the soft-cap inside gemma2's attention, makes the device decline
     * the model, which then runs wholly on the CPU with the CPU's tokens; a model without that
     * step still runs on the device.
     */
    @Test
    void aModelWhoseAttentionTheDeviceCannotRunFallsBackToTheCpu() throws Exception {
        try (OpenClCompute partial = new OpenClCompute(TestDevice.get(), 2, EnumSet.of(Workspace.Op.SOFTCAP),
                EnumSet.noneOf(GgmlType.class));
             Model gemma2 = Model.open(Shared.path("archs/tiny-gemma2-F32.gguf"));
             Model llama = Model.open(Shared.path("archs/tiny-llama-gqa-F32.gguf"))) {
            String reason = partial.declines(gemma2.transformer());
            assertNotNull(reason);
            assertTrue(reason.contains("soft-cap inside attention"), reason);
            assertNull(partial.declines(llama.transformer()));
            assertFalse(partial.runs(Workspace.Op.SOFTCAP));

            int[] prompt = gemma2.tokenizer().encode("The cat sat on the mat and", true, true);
            Generator g = new Generator(gemma2, partial, prompt.length + 12);
            GenerationResult fallback = g.generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertNull(g.state().deviceWorkspace(), "nothing went to the device");
            GenerationResult onCpu = new Generator(gemma2, cpu, prompt.length + 12)
                    .generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertArrayEquals(onCpu.generatedIds(), fallback.generatedIds());
        }
    }

    /**
     * The other way of sharing matrix rows among work-items (a group per row on a CPU device such
     * as PoCL, one work-item per row on a GPU) through whole passes: llama.cpp's greedy tokens on
     * stories260K and on a K-quant fixture either way.
     */
    @ParameterizedTest
    @ValueSource(strings = {"models/stories260K.gguf", "archs/tiny-llama-gqa-Q4_K_M.gguf"})
    void theOtherRowSharingGivesLlamaCppsTokens(String path) throws Exception {
        String reference = path.startsWith("models/") ? "reference/stories260K-greedy.json"
                : path.replace(".gguf", "-greedy.json");
        var c = Shared.json(reference).get("cases").get(0);
        int[] expected = Shared.ints(c.get("generated_token_ids"));
        int mustAgree = org.llmexplorer.engine.model.GoldenJudging.mustAgree(c, expected.length);
        try (OpenClCompute other = new OpenClCompute(TestDevice.get(), 2); Model model = Model.open(Shared.path(path))) {
            Kernels k = other.kernels();
            k.matmulGroup(k.matmulGroup() == 1 ? k.group : 1);
            int[] prompt = Shared.ints(c.get("prompt_token_ids"));
            GenerationResult r = new Generator(model, other, prompt.length + expected.length)
                    .generate(prompt, expected.length, Sampler.greedy(), 0, null, null);
            assertArrayEquals(java.util.Arrays.copyOf(expected, mustAgree),
                    java.util.Arrays.copyOf(r.generatedIds(), mustAgree));
        }
    }

    @Test
    void backendsCreatesItByName() {
        TestDevice.get();
        try (Compute c = Backends.create("opencl", 2)) {
            assertInstanceOf(OpenClCompute.class, c);
            assertEquals("opencl", c.name());
        }
        try (Compute c = Backends.create("opencl:0", 2)) {
            assertEquals(0, ((OpenClCompute) c).device().index());
        }
        String name = TestDevice.get().name();
        try (Compute c = Backends.create("opencl:" + name.substring(0, Math.min(6, name.length())), 2)) {
            assertEquals(name, ((OpenClCompute) c).device().name());
        }
        OpenClException e = assertThrows(OpenClException.class, () -> Backends.create("opencl:no-such-device", 2));
        assertTrue(e.getMessage().contains("no OpenCL device 'no-such-device'") && e.getMessage().contains(name),
                e.getMessage());
        boolean gpu = Devices.list().stream().anyMatch(Device::isGpu);
        try (Compute c = Backends.create("auto", 2)) {
            assertEquals(gpu ? "opencl" : "simd", c.name(), "auto: OpenCL on a GPU, else simd");
        }
        assertFalse(Backends.devices().isEmpty());
    }

    /** The session on the device: attention asked while a reply streams comes between its tokens, as on the CPU. */
    @Test
    void theSessionOnTheDeviceAnswersAttentionBetweenTokensAsTheCpuDoes() throws Exception {
        TestDevice.get();
        java.util.List<org.llmexplorer.engine.session.AttentionSnapshot> during = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<org.llmexplorer.engine.session.ChatSession> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        org.llmexplorer.engine.session.SessionListener events = new org.llmexplorer.engine.session.SessionListener() {
            int tokens;

            @Override
            public void token(int m, org.llmexplorer.engine.session.Step step) {
                if (++tokens == 5) {
                    self.get().attention(1, null).thenAccept(during::add);
                }
            }
        };
        float[][] onDevice;
        String deviceReply;
        try (var session = new org.llmexplorer.engine.session.ChatSession(events)) {
            self.set(session);
            session.backend("opencl:0", 2);
            var m = session.open(Shared.path(STORIES)).get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(m.backend().startsWith("opencl"), m.backend());
            session.settings(org.llmexplorer.engine.sampling.SamplingSettings.greedy(), true, 20);
            deviceReply = session.send("Once upon a time").get(60, java.util.concurrent.TimeUnit.SECONDS).text();
            assertEquals(1, during.size(), "answered while the reply streamed");
            onDevice = session.attention(1, null).get(60, java.util.concurrent.TimeUnit.SECONDS).weights()[3];
            assertTrue(during.getFirst().tokens().length < onDevice.length);
        }
        try (var session = new org.llmexplorer.engine.session.ChatSession(new org.llmexplorer.engine.session.SessionListener() { })) {
            session.backend("simd", 2);
            session.open(Shared.path(STORIES)).get(60, java.util.concurrent.TimeUnit.SECONDS);
            session.settings(org.llmexplorer.engine.sampling.SamplingSettings.greedy(), true, 20);
            assertEquals(deviceReply, session.send("Once upon a time").get(60, java.util.concurrent.TimeUnit.SECONDS).text());
            float[][] onCpu = session.attention(1, null).get(60, java.util.concurrent.TimeUnit.SECONDS).weights()[3];
            for (int i = 0; i < onCpu.length; i++) {
                for (int j = 0; j < onCpu.length; j++) {
                    assertEquals(onCpu[i][j], onDevice[i][j], 1e-4, "weight " + i + "," + j);
                }
            }
        }
    }
}
