package org.llmexplorer.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufWriter;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.sampling.Sampler;

/**
 * qwen3 and gemma3 have no llama.cpp golden files yet. Their layouts are built here from the
 * qwen2 and gemma2 fixtures (metadata renamed, biases and soft-caps dropped, query/key norms
 * added), and what sets them apart is checked through properties that hold only if it is
 * implemented: per-head RMSNorm of queries and keys makes the output blind to the scale of
 * Wq and Wk; gemma3's local layers rotate with base 10000 whatever the file's base says, and
 * five of every six layers are local.
 */
class NewArchitecturesTest {
    @TempDir
    Path dir;

    @Test
    void qwen3NormalisesQueriesAndKeysPerHead() throws IOException {
        Path plain = derive("tiny-qwen2-F32.gguf", "qwen3", 1f, Map.of());
        Path scaled = derive("tiny-qwen2-F32.gguf", "qwen3", 3f, Map.of());
        float[] a = logits(plain);
        float[] b = logits(scaled);
        assertArrayEquals(a, b, 2e-3f * max(a), "q/k norms cancel a scale of Wq and Wk");

        // The same scaling changes a model without those norms, so the check above means something.
        Path qwen2Scaled = dir.resolve("qwen2-scaled.gguf");
        copy(Shared.path("archs/tiny-qwen2-F32.gguf"), qwen2Scaled, "qwen2", 3f, false, Map.of());
        float[] c = logits(Shared.path("archs/tiny-qwen2-F32.gguf"));
        float[] d = logits(qwen2Scaled);
        assertTrue(maxDiff(c, d) > 0.1f * max(c), "qwen2 is not scale-blind: " + maxDiff(c, d));
    }

    @Test
    void qwen3RunsAGreedyGeneration() throws IOException {
        try (Model model = Model.open(derive("tiny-qwen2-F32.gguf", "qwen3", 1f, Map.of()));
             Compute ops = Backends.create("simd", 2)) {
            assertEquals("qwen3", model.config().architecture());
            assertEquals(Rope.Style.NEOX, model.config().family().rope());
            assertTrue(model.transformer().weights().layers()[0].qNorm() != null);
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            var r = new Generator(model, ops, 64).generate(prompt, 16, Sampler.greedy(), 0, null, null);
            assertEquals(16, r.generatedIds().length);
        }
    }

    @Test
    void gemma3HasFiveLocalLayersInSixAndRotatesThemWithBase10000() throws IOException {
        Path file = derive("tiny-gemma2-F32.gguf", "gemma3", 1f, Map.of());
        try (Model model = Model.open(file)) {
            ModelConfig c = model.config();
            assertEquals("causal;L0-4@sliding:w=16;L6-10@sliding:w=16;L12-16@sliding:w=16;L18-22@sliding:w=16;"
                    + "L24-25@sliding:w=16", c.trainedMask().spec());
            assertEquals(0f, c.family().attnSoftcap());
            assertEquals(0f, c.family().finalSoftcap());
            assertEquals((float) Math.sqrt(128), c.family().embeddingScale());
        }
        // Five layers, all local: the file's rope base (used by global layers only) changes nothing.
        float[] a = logits(derive("tiny-gemma2-F32.gguf", "gemma3", 1f, Map.of("block_count", 5, "freq_base", 1e6f)));
        float[] b = logits(derive("tiny-gemma2-F32.gguf", "gemma3", 1f, Map.of("block_count", 5, "freq_base", 5e4f)));
        assertArrayEquals(a, b, 0f);
        // Six layers: the sixth is global and follows the file's base.
        float[] c = logits(derive("tiny-gemma2-F32.gguf", "gemma3", 1f, Map.of("block_count", 6, "freq_base", 1e6f)));
        float[] d = logits(derive("tiny-gemma2-F32.gguf", "gemma3", 1f, Map.of("block_count", 6, "freq_base", 5e4f)));
        assertTrue(maxDiff(c, d) > 1e-3f, "the global layer's rotation depends on the base");
    }

    private Path derive(String fixture, String arch, float qkScale, Map<String, Object> changes) throws IOException {
        Path out = dir.resolve(arch + "-" + qkScale + "-" + changes.hashCode() + ".gguf");
        copy(Shared.path("archs/" + fixture), out, arch, qkScale, true, changes);
        return out;
    }

    private static void copy(Path from, Path to, String arch, float qkScale, boolean qkNorms,
                             Map<String, Object> changes) throws IOException {
        org.llmexplorer.engine.bench.RandomModels.derive(from, to, arch, qkScale, qkNorms, changes);
    }

    private static float[] logits(Path file) throws IOException {
        try (Model model = Model.open(file); Compute ops = Backends.create("scalar", 1)) {
            int[] prompt = model.tokenizer().encode("The cat sat on the mat and", true, true);
            InferenceState s = new InferenceState(model.config(), 64, prompt.length);
            model.transformer().forward(ops, s, model.config().trainedMask(), prompt, 0, prompt.length, 0, false);
            return java.util.Arrays.copyOf(s.logits(), model.config().vocabSize());
        }
    }

    private static float max(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

}
