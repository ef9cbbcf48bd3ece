package org.llmexplorer.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;

/** The warm-up leaves nothing behind but compiled code, and stops when its listener says so. */
class WarmUpTest {

    @Test
    void aReplyAfterTheWarmUpIsTheReplyWithout() throws Exception {
        try (Model model = Model.open(Shared.path("archs/tiny-llama-gqa-Q4_0.gguf"))) {
            int[] prompt = model.tokenizer().encode("Once upon a time there was", true, true);
            float[] cold;
            int[] coldIds;
            try (Compute ops = new SimdCompute(2)) {
                Generator g = new Generator(model, ops, 64);
                coldIds = g.generate(prompt, 16, Sampler.greedy(), 0, null, null).generatedIds();
                cold = g.state().logits().clone();
            }
            try (Compute ops = new SimdCompute(2)) {
                List<Integer> rounds = new ArrayList<>();
                WarmUp.forward(model, ops, rounds::add);
                assertEquals(java.util.stream.IntStream.rangeClosed(1, WarmUp.ROUNDS).boxed().toList(), rounds);
                Generator g = new Generator(model, ops, 64);
                assertArrayEquals(coldIds, g.generate(prompt, 16, Sampler.greedy(), 0, null, null).generatedIds());
                assertArrayEquals(cold, g.state().logits(), 0f);
            }
        }
    }

    @Test
    void readyPreparesThenWarmsUpTellingItsProgressInOrder() throws Exception {
        try (Model model = Model.open(Shared.path("archs/tiny-llama-gqa-Q4_K_M.gguf")); Compute ops = new SimdCompute(2)) {
            List<String> phases = new ArrayList<>();
            List<Double> fractions = new ArrayList<>();
            WarmUp.ready(model, ops, (phase, fraction) -> {
                phases.add(phase);
                fractions.add(fraction);
            });
            assertEquals("preparing the weights", phases.get(0));
            assertEquals("warming up", phases.get(phases.size() - 1));
            assertEquals(phases.indexOf("warming up"), phases.size() - 1 - WarmUp.ROUNDS, "the rounds come last");
            for (int i = 1; i < fractions.size(); i++) {
                assertTrue(fractions.get(i) >= fractions.get(i - 1), "progress never goes back: " + fractions);
            }
            assertEquals(1.0, fractions.get(fractions.size() - 1), 1e-12);
        }
    }

    @Test
    void aListenerThatThrowsStopsTheRounds() throws Exception {
        try (Model model = Model.open(Shared.path("models/stories260K.gguf")); Compute ops = new SimdCompute(1)) {
            List<Integer> rounds = new ArrayList<>();
            assertThrows(CancellationException.class, () -> WarmUp.forward(model, ops, round -> {
                rounds.add(round);
                throw new CancellationException("loading cancelled");
            }));
            assertEquals(List.of(1), rounds);
        }
    }
}
