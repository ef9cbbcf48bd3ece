package org.llmexplorer.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;

/** What {@code bench} counts as work, from the model's shape. */
class BenchmarkTest {

    /**
     * A prompt in batches applies the output head to each batch's last token only (what the
     * forward pass computes), a generated token applies it once: the GFLOP/s are the matrices'
     * two operations per weight and token actually multiplied, plus attention's, over the time.
     */
    @Test
    void gflopsCountTheOutputHeadOncePerForwardCall() throws Exception {
        try (Model model = Model.open(Shared.path("models/stories260K.gguf")); Compute ops = new SimdCompute(1)) {
            ModelConfig c = model.config();
            long perLayer = (long) c.dim() * c.qDim() * 2 + (long) c.dim() * c.kvDim() * 2 + 3L * c.dim() * c.ffnDim();
            long head = (long) c.dim() * c.vocabSize();
            int prompt = 16;
            int batch = 4;
            int gen = 3;
            Benchmark.Result r = Benchmark.run(model, ops, MaskPlan.causal(), prompt, gen, batch, 2);

            double promptSeconds = 0;
            for (double tps : r.ppTps()) {
                promptSeconds += prompt / tps;
            }
            double promptFlops = 2.0 * (perLayer * c.layers() * prompt + head * (prompt / batch)) + r.ppAttentionFlops();
            assertEquals(2 * promptFlops / promptSeconds / 1e9, r.ppGflops(), 1e-9 * r.ppGflops());

            double genSeconds = 0;
            for (double tps : r.tgTps()) {
                genSeconds += gen / tps;
            }
            double genMatrixFlops = 2.0 * (perLayer * c.layers() + head) * gen;
            // Attention's share of generation is small at this depth; the matrices bound it from below.
            assertTrue(r.tgGflops() >= 2 * genMatrixFlops / genSeconds / 1e9 * (1 - 1e-9));

            // The first prompt pass (min(prompt, 2 batch) tokens) is timed apart; none with a depth.
            assertEquals(8, r.firstPrompt());
            assertTrue(r.firstPromptMs() > 0);
            Benchmark.Result deep = Benchmark.run(model, ops, MaskPlan.causal(), 4, 1, batch, 1, 8);
            assertEquals(0, deep.firstPrompt());
        }
    }
}
