package org.llmexplorer.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;

class BeamSearchTest {

    /**
     * A hand-made model over tokens 0 (end), 1 (A), 2 (B), 3 (C): first A 0.6, B 0.4; after A
     * everything is spread thin (best 0.35); after B, C has 0.9; after two tokens, the end.
     * Greedy takes A and ends with probability 0.6 * 0.35 = 0.21; B C has 0.36.
     */
    static final class TableModel implements BeamSearch.Model {
        static final Map<String, double[]> NEXT = Map.of(
                "", new double[] {0.0, 0.6, 0.4, 0.0},
                "1", new double[] {0.0, 0.35, 0.33, 0.32},
                "2", new double[] {0.0, 0.05, 0.05, 0.9});

        @Override
        public int endOfSequence() {
            return 0;
        }

        @Override
        public BeamSearch.Beam start(int[] prompt) {
            return beam("");
        }

        private BeamSearch.Beam beam(String prefix) {
            double[] p = NEXT.getOrDefault(prefix, new double[] {1.0, 0.0, 0.0, 0.0});
            float[] logits = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                logits[i] = p[i] == 0 ? -1e30f : (float) Math.log(p[i]);
            }
            return new BeamSearch.Beam() {
                @Override
                public float[] logits() {
                    return logits;
                }

                @Override
                public BeamSearch.Beam extend(int token) {
                    return beam(prefix + token);
                }
            };
        }
    }

    @Test
    void findsTheBestSequenceWhereGreedyDoesNot() {
        List<BeamSearch.Hypothesis> greedy = BeamSearch.run(new TableModel(), new int[0],
                new BeamSearch.Settings(1, 1, 1f, true, 5));
        assertArrayEquals(new int[] {1, 1}, greedy.get(0).tokens(), "greedy: A then the best after A");
        assertEquals(Math.log(0.6 * 0.35), greedy.get(0).logProb(), 1e-6);

        List<BeamSearch.Hypothesis> beam = BeamSearch.run(new TableModel(), new int[0],
                new BeamSearch.Settings(2, 2, 1f, true, 5));
        assertArrayEquals(new int[] {2, 3}, beam.get(0).tokens(), "two beams find B C");
        assertEquals(Math.log(0.4 * 0.9), beam.get(0).logProb(), 1e-6);
        assertTrue(beam.get(0).endedWithEos());
        assertArrayEquals(new int[] {1, 1}, beam.get(1).tokens(), "the second best comes second");
        assertTrue(beam.get(0).score() > beam.get(1).score());
    }

    @Test
    void returnSequencesCannotExceedBeams() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BeamSearch.Settings(2, 3, 1f, true, 5));
        assertTrue(e.getMessage().contains("num_return_sequences (3) must be between 1 and num_beams (2)"));
    }

    @Test
    void oneBeamIsGreedyOnTheStoriesModelAndBeamsAreDeterministic() throws Exception {
        try (Model model = Model.open(Shared.path("models/stories260K.gguf")); SimdCompute ops = new SimdCompute(2)) {
            int[] prompt = model.tokenizer().encode("Tom had a red ball. He", true, true);
            int[] greedy = new Generator(model, ops, prompt.length + 40).generate(prompt, 40, Sampler.greedy(), 0,
                    null, null).generatedIds();
            ModelBeams beams = new ModelBeams(model, ops, MaskPlan.causal(), prompt.length + 40);
            List<BeamSearch.Hypothesis> one = BeamSearch.run(beams, prompt, new BeamSearch.Settings(1, 1, 1f, true, 40));
            assertArrayEquals(greedy, one.get(0).tokens());

            BeamSearch.Settings four = new BeamSearch.Settings(4, 3, 1f, true, 24);
            List<BeamSearch.Hypothesis> a = BeamSearch.run(beams, prompt, four);
            List<BeamSearch.Hypothesis> b = BeamSearch.run(beams, prompt, four);
            assertEquals(3, a.size());
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
                assertEquals(a.get(i).logProb(), b.get(i).logProb());
            }
            assertTrue(a.get(0).logProb() / a.get(0).tokens().length
                    >= one.get(0).logProb() / one.get(0).tokens().length - 1e-9
                    || a.get(0).score() >= one.get(0).score() - 1e-9, "four beams do at least as well as one");
        }
    }
}
