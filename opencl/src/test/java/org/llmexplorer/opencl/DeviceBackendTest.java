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
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.sampling.Sampler;

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
            InferenceState reference = new InferenceState(model.config(), 64, 8, 2);
            InferenceState moving = new InferenceState(model.config(), 64, 8, 2);
            for (int i = 0; i < n; i++) {
                t.forward(cpu, reference, masks, tokens, i, 1, i, false);
                Compute ops = i < 3 || i >= 7 ? cpu : device;
                t.forward(ops, moving, masks, tokens, i, 1, i, false);
                assertEquals(i >= 3 && i < 7, moving.deviceState() != null, "where the cache is after token " + i);
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
            InferenceState parent = new InferenceState(model.config(), 32, 8, 2);
            t.forward(device, parent, masks, tokens, 0, n - 1, 0, false);
            InferenceState child = new InferenceState(model.config(), 32, 1, 2);
            child.copyCacheFrom(parent, n - 1);
            assertNotNull(child.deviceState(), "the copy is on the device");
            t.forward(device, child, masks, tokens, n - 1, 1, n - 1, false);
            InferenceState reference = new InferenceState(model.config(), 32, 8, 2);
            t.forward(cpu, reference, masks, tokens, 0, n, 0, false);
            assertArrayEquals(reference.logits(), child.logits(), 1e-4f);
        }
    }

    /**
     * A step the device lacks makes it decline the model (gpt2's LayerNorm here), which then
     * runs on the CPU with the CPU's tokens; a model without that step still runs on the device.
     */
    @Test
    void aModelTheDeviceCannotRunFallsBackToTheCpu() throws Exception {
        try (OpenClCompute partial = new OpenClCompute(TestDevice.get(), 2, EnumSet.of(OpenClCompute.DeviceOp.LAYER_NORM));
             Model gpt2 = Model.open(Shared.path("archs/tiny-gpt2-F32.gguf"));
             Model llama = Model.open(Shared.path("archs/tiny-llama-gqa-F32.gguf"))) {
            String reason = partial.declines(gpt2.config(), gpt2.transformer().weights());
            assertNotNull(reason);
            assertTrue(reason.contains("layer_norm"), reason);
            assertNull(partial.declines(llama.config(), llama.transformer().weights()));
            assertFalse(partial.supports(OpenClCompute.DeviceOp.LAYER_NORM));

            int[] prompt = gpt2.tokenizer().encode("The cat sat on the mat and", true, true);
            Generator g = new Generator(gpt2, partial, prompt.length + 12);
            GenerationResult fallback = g.generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertNull(g.state().deviceState(), "nothing went to the device");
            GenerationResult onCpu = new Generator(gpt2, cpu, prompt.length + 12)
                    .generate(prompt, 12, Sampler.greedy(), 0, null, null);
            assertArrayEquals(onCpu.generatedIds(), fallback.generatedIds());
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
}
