package org.llmexplorer.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.ScalarCompute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;

/**
 * A prompt of more than 1024 tokens, read in passes of 128 by the SIMD path (broadcast tiles for
 * the products, attention over keys in tiles with an online softmax) and by the scalar reference
 * (plain loops, sums in double): the same greedy continuation; with float weights and cache, logits
 * within float rounding of the reference's; otherwise no further from them than after one pass.
 */
class LongContextParityTest {

    @ParameterizedTest
    @CsvSource({"archs/tiny-llama-gqa-F32.gguf, causal, F32", "archs/tiny-llama-gqa-Q8_0.gguf, causal, F32",
            "archs/tiny-llama-gqa-Q4_K_M.gguf, sliding:w=300, F32", "archs/tiny-llama-gqa-F32.gguf, causal, F16",
            "archs/tiny-llama-gqa-F32.gguf, causal, Q8_0"})
    void aLongPromptGivesTheScalarPathsTokens(String file, String mask, KvCache.Type kv) throws Exception {
        try (Model model = Model.open(Shared.path(file));
             Compute scalar = new ScalarCompute();
             Compute simd = new SimdCompute(2)) {
            Random random = new Random(file.hashCode());
            int n = 1100;
            int[] prompt = new int[n];
            for (int i = 0; i < n; i++) {
                prompt[i] = random.nextInt(model.config().vocabSize());
            }
            MaskPlan plan = MaskPlan.parse(mask, MaskPlan.causal());
            Generator a = new Generator(model, scalar, n + 8, Generator.DEFAULT_BATCH, kv).masks(plan);
            Generator b = new Generator(model, simd, n + 8, Generator.DEFAULT_BATCH, kv).masks(plan);
            GenerationResult ra = a.generate(prompt, 8, Sampler.greedy(), 0, null, null);
            GenerationResult rb = b.generate(prompt, 8, Sampler.greedy(), 0, null, null);
            assertArrayEquals(ra.generatedIds(), rb.generatedIds(), "greedy tokens after " + n + " prompt tokens");

            double[] full = difference(a, b, prompt, n);
            // the yardstick: the worst of the short texts (one to eight passes), where length cannot have added
            // anything; a single short text may happen to meet no rounding boundary (seen on an AVX2 machine)
            double[] first = {0, 0};
            for (int k = 1; k <= 8; k *= 2) {
                double[] d = difference(a, b, prompt, k * Generator.DEFAULT_BATCH);
                first[0] = Math.max(first[0], d[0]);
            }
            System.out.printf("%s %s %s: max |logit difference| %.2e after %d tokens, %.2e at most after 1-8 passes of %d (max |logit| %.1f)%n",
                    file, mask, kv, full[0], n, first[0], Generator.DEFAULT_BATCH, full[1]);
            if (file.endsWith("F32.gguf") && kv == KvCache.Type.F32) { // nothing rounds but float sums
                assertTrue(full[0] <= 1e-5 * full[1], "logits differ by " + full[0]);
            }
            // With 8-bit activation codes or a half cache, a value at a rounding boundary goes either way with
            // the summation order (a whole code step): that sets the yardstick, and length must not add to it.
            assertTrue(full[0] <= 3 * first[0] + 1e-5 * full[1], "logits after " + n + " tokens differ by " + full[0]
                    + ", after one pass by " + first[0]);
        }
    }

    /** The largest |logit difference| of the two after the first n prompt tokens, and the largest |logit|. */
    private static double[] difference(Generator a, Generator b, int[] prompt, int n) {
        a.ingest(prompt, n, 0);
        b.ingest(prompt, n, 0);
        float[] x = a.state().logits();
        float[] y = b.state().logits();
        double worst = 0;
        double scale = 0;
        for (int v = 0; v < x.length; v++) {
            worst = Math.max(worst, Math.abs(x[v] - y[v]));
            scale = Math.max(scale, Math.abs(x[v]));
        }
        return new double[] {worst, scale};
    }
}
