package org.llmexplorer.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * The trainer's forward pass against the engine's {@link org.llmexplorer.engine.model.Transformer}
 * on the exported file: the same logits within a stated tolerance, the same greedy tokens.
 * F32 files must agree to float rounding; F16 files are compared with the trainer's weights
 * rounded to F16, and differ further by the engine rounding activations to F16 before F16
 * products, as llama.cpp does.
 */
class ExportParityTest {
    /** Largest logit difference allowed, relative to the largest logit magnitude. */
    private static final double F32_TOLERANCE = 1e-4;
    private static final double F16_TOLERANCE = 1e-3;

    @Test
    void f32Causal(@TempDir Path dir) throws Exception {
        compare(dir, "causal", GgmlType.F32, F32_TOLERANCE);
    }

    @Test
    void f32SlidingWindowTravelsInTheFile(@TempDir Path dir) throws Exception {
        compare(dir, "sliding:w=4", GgmlType.F32, F32_TOLERANCE);
    }

    @Test
    void f16(@TempDir Path dir) throws Exception {
        compare(dir, "causal", GgmlType.F16, F16_TOLERANCE);
    }

    private static void compare(Path dir, String mask, GgmlType type, double tolerance) throws Exception {
        Corpus c = TinyCorpus.corpus();
        TrainingSettings s = TinyCorpus.settings(c.tokenizer().size(), 30, mask);
        Path file = dir.resolve("m.gguf");
        try (Trainer t = new Trainer(s, new TrainingData(c.train(), c.validation(), s.seqLen(), s.seed()),
                c.tokenizer(), 2)) {
            t.run(step -> { }, () -> false, null, 0);
            t.export(file, type, "parity", Map.of());
            if (type == GgmlType.F16) {
                for (Parameter p : t.parameters().all()) {
                    if (!p.isVector()) {
                        for (int i = 0; i < p.size(); i++) {
                            p.value()[i] = Float.float16ToFloat(Float.floatToFloat16(p.value()[i]));
                        }
                    }
                }
            }
            try (Model model = Model.open(file); Compute ops = Backends.create("simd", 2); Parallel p = new Parallel(2)) {
                assertEquals(mask, model.config().trainedMask().spec());
                int[] prompt = model.tokenizer().encode("The king walked to", true, false);
                assertArrayEquals(c.tokenizer().tokenizer().encode("The king walked to", true, false), prompt);
                int n = 16;
                int[] trainerTokens = greedy(t, p, prompt, n, tolerance, model, ops);
                int[] engineTokens = engineGreedy(model, ops, prompt, n);
                assertArrayEquals(engineTokens, trainerTokens, "greedy tokens");
                System.out.printf("export %s %s: greedy '%s'%n", type, mask,
                        model.tokenizer().decode(java.util.Arrays.copyOfRange(engineTokens, prompt.length, n)));
            }
        }
    }

    /**
     * Greedy continuation by the trainer's forward pass (the whole sequence each step), checking
     * every position's logits against the engine's on the same sequence.
     */
    private static int[] greedy(Trainer t, Parallel p, int[] prompt, int n, double tolerance, Model model, Compute ops) {
        int[] seq = java.util.Arrays.copyOf(prompt, n);
        int vocab = model.config().vocabSize();
        double worst = 0;
        for (int len = prompt.length; len < n; len++) {
            LlamaNetwork net = new LlamaNetwork(t.parameters(), t.maskPlan(), 1, len, p);
            net.forward(java.util.Arrays.copyOf(seq, len));
            float[] ours = net.logits();
            InferenceState state = new InferenceState(model.config(), len, len);
            model.transformer().forward(ops, state, model.config().trainedMask(), seq, 0, len, 0, true);
            float[] theirs = state.logits();
            float scale = 0;
            double diff = 0;
            for (int i = 0; i < len * vocab; i++) {
                scale = Math.max(scale, Math.abs(theirs[i]));
                diff = Math.max(diff, Math.abs(ours[i] - theirs[i]));
            }
            worst = Math.max(worst, diff / scale);
            seq[len] = argmax(ours, (len - 1) * vocab, vocab);
        }
        System.out.printf("export parity: largest logit difference %.2e of the largest logit%n", worst);
        assertTrue(worst < tolerance, "logits differ by " + worst);
        return seq;
    }

    private static int[] engineGreedy(Model model, Compute ops, int[] prompt, int n) {
        int[] seq = java.util.Arrays.copyOf(prompt, n);
        InferenceState state = new InferenceState(model.config(), n, n);
        model.transformer().forward(ops, state, model.config().trainedMask(), seq, 0, prompt.length, 0, false);
        for (int len = prompt.length; len < n; len++) {
            seq[len] = argmax(state.logits(), 0, model.config().vocabSize());
            if (len + 1 < n) {
                model.transformer().forward(ops, state, model.config().trainedMask(), seq, len, 1, len, false);
            }
        }
        return seq;
    }

    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
