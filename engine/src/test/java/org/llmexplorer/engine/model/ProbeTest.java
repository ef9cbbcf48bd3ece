package org.llmexplorer.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;

/** Probes in the one recipe: what they see is what the pass computes, and what they write is what it goes on with. */
class ProbeTest {

    /** Runs a prompt through a fresh conversation with this probe and returns the logits of every position. */
    private static float[] run(Model model, Compute ops, Probe probe, int[] tokens) {
        InferenceState s = new InferenceState(model.config(), 64, tokens.length);
        s.probe(probe);
        model.transformer().forward(ops, s, model.config().trainedMask(), tokens, 0, tokens.length, 0, true);
        return java.util.Arrays.copyOf(s.logits(), tokens.length * model.config().vocabSize());
    }

    /** Watches every site and hands each value back as it was, marked as replaced: not one bit of the output moves. */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void aProbeThatWritesBackWhatItReadChangesNoBit(String backend) throws Exception {
        for (String path : List.of("models/stories260K.gguf", "archs/tiny-gemma2-F32.gguf", "archs/tiny-gpt2-F32.gguf")) {
            try (Model model = Model.open(Shared.path(path)); Compute ops = Backends.create(backend, 2)) {
                int[] tokens = model.tokenizer().encode("Lily saw a big red ball in the park", true, true);
                List<String> seen = new ArrayList<>();
                Probe identity = new Probe() {
                    @Override
                    public boolean watches(Site site, int layer) {
                        return true;
                    }

                    @Override
                    public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                        seen.add(site + "@" + layer);
                        assertEquals(count * width, values.length);
                        return true;
                    }
                };
                float[] plain = run(model, ops, null, tokens);
                float[] probed = run(model, ops, identity, tokens);
                assertArrayEquals(plain, probed, 0f, path + " on " + backend);
                int layers = model.config().layers();
                assertEquals(4 * layers + 1, seen.size(), "every site of every layer, and the final norm");
                assertEquals("FINAL_NORM@-1", seen.getLast());
            }
        }
    }

    /**
     * The residual stream after the last layer, normalised by RMSNorm as the formula says, is the
     * final norm's output the probe sees next; zeroing one layer's feed-forward output changes the
     * logits, and the residual after that layer is then the one before plus the attention output.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void whatAProbeSeesAndWritesIsWhatThePassUses(String backend) throws Exception {
        try (Model model = Model.open(Shared.path("models/stories260K.gguf")); Compute ops = Backends.create(backend, 2)) {
            ModelConfig c = model.config();
            int[] tokens = model.tokenizer().encode("Once upon a time there was a dog", true, true);
            int last = c.layers() - 1;
            float[][] residual = new float[c.layers()][];
            float[][] attention = new float[c.layers()][];
            float[][] out = new float[1][];
            Set<Probe.Site> watched = EnumSet.of(Probe.Site.RESIDUAL, Probe.Site.ATTENTION_OUT, Probe.Site.FINAL_NORM);
            Probe reader = new Probe() {
                @Override
                public boolean watches(Site site, int layer) {
                    return watched.contains(site);
                }

                @Override
                public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                    switch (site) {
                        case RESIDUAL -> residual[layer] = values.clone();
                        case ATTENTION_OUT -> attention[layer] = values.clone();
                        case FINAL_NORM -> out[0] = values.clone();
                        default -> { }
                    }
                    return false;
                }
            };
            run(model, ops, reader, tokens);
            float[] weight = model.transformer().weights().outputNorm();
            int dim = c.dim();
            for (int t = 0; t < tokens.length; t++) {
                double squares = 0;
                for (int i = 0; i < dim; i++) {
                    squares += (double) residual[last][t * dim + i] * residual[last][t * dim + i];
                }
                double scale = 1 / Math.sqrt(squares / dim + c.normEps());
                for (int i = 0; i < dim; i++) {
                    assertEquals(residual[last][t * dim + i] * scale * weight[i], out[0][t * dim + i], 1e-4,
                            "final norm of token " + t + ", value " + i);
                }
            }

            // Knock out layer 0's feed-forward block: its residual is then exactly the embedding plus attention.
            float[][] knocked = new float[2][];
            Probe zeroFfn = new Probe() {
                @Override
                public boolean watches(Site site, int layer) {
                    return layer == 0 && (site == Site.FFN_OUT || site == Site.RESIDUAL || site == Site.ATTENTION_OUT);
                }

                @Override
                public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                    if (site == Site.FFN_OUT) {
                        java.util.Arrays.fill(values, 0f);
                        return true;
                    }
                    knocked[site == Site.RESIDUAL ? 1 : 0] = values.clone();
                    return false;
                }
            };
            float[] intact = run(model, ops, null, tokens);
            float[] withoutFfn = run(model, ops, zeroFfn, tokens);
            assertFalse(java.util.Arrays.equals(intact, withoutFfn), "the knock-out changes the logits");
            float[] embedding = new float[dim];
            for (int t = 0; t < tokens.length; t++) {
                model.transformer().weights().tokenEmbedding().dequantizeRow(tokens[t], embedding, 0);
                for (int i = 0; i < dim; i++) {
                    assertEquals(embedding[i] + knocked[0][t * dim + i], knocked[1][t * dim + i], 0f);
                }
            }
            assertTrue(attention[0] != null && residual[0] != null);
        }
    }
}
