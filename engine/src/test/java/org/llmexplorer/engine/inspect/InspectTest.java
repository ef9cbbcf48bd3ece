package org.llmexplorer.engine.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Weights;
import org.llmexplorer.engine.sampling.TokenProbability;

/** The deeper views on the stories model: logit lens, knock-out, patching and the per-token readings. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InspectTest {
    private Model model;

    @BeforeAll
    void open() throws Exception {
        model = Model.open(Shared.path("models/stories260K.gguf"));
    }

    @AfterAll
    void close() {
        model.close();
    }

    private int[] tokens(String text) {
        return model.tokenizer().encode(text, true, true);
    }

    /** The lens after the last layer is the model's own distribution: the same logits, bit for bit, on both CPU backends. */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void theLastLayersLensIsTheModelsOutput(String backend) {
        try (Compute ops = Backends.create(backend, 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("Once upon a time there was a little girl");
            LogitLens lens = LogitLens.of(pass, t, 10, null, null);
            float[] own = pass.logits(t, null);
            int vocab = model.config().vocabSize();
            int last = model.config().layers() - 1;
            for (int p = 0; p < t.length; p++) {
                TokenProbability[] expected = Probabilities.top(own, p * vocab, vocab, 10);
                assertArrayEquals(expected, lens.top()[last][p], "position " + p);
                assertEquals(Probabilities.entropyBits(own, p * vocab, vocab), lens.entropy()[last][p], 0.0);
            }
        }
    }

    /** Under a mask the views see the masked model: its lens's last layer is the masked output, not the trained one. */
    @Test
    void theViewsRunUnderTheMaskInUse() {
        try (Compute ops = Backends.create("simd", 2)) {
            int[] t = tokens("Once upon a time there was a little girl who liked to play");
            var mask = org.llmexplorer.engine.attention.MaskPlan.parse("sliding:w=2", model.config().trainedMask());
            Pass masked = new Pass(model, ops, mask);
            Pass trained = new Pass(model, ops, null);
            LogitLens lens = LogitLens.of(masked, t, 3, null, null);
            float[] own = masked.logits(t, null);
            int vocab = model.config().vocabSize();
            int last = model.config().layers() - 1;
            int p = t.length - 1;
            assertArrayEquals(Probabilities.top(own, p * vocab, vocab, 3), lens.top()[last][p]);
            assertFalse(java.util.Arrays.equals(own, trained.logits(t, null)), "the mask changes the model's output");
        }
    }

    /**
     * Every layer's lens against an independent float64 head in this test (RMSNorm of the
     * residual the scalar path hands a probe, then the output matrix), and the answers of the
     * last position recorded from the float64 scalar path.
     */
    @Test
    void everyLayersLensIsTheFinalNormAndOutputMatrixOfItsResidual() {
        try (Compute ops = Backends.create("scalar", 1)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("Once upon a time there was a little girl");
            ModelConfig c = model.config();
            float[][] residual = new float[c.layers()][];
            pass.logits(t, Pass.residuals(residual));
            LogitLens lens = LogitLens.of(pass, t, 5, null, null);
            Weights w = model.transformer().weights();
            int dim = c.dim();
            int vocab = c.vocabSize();
            float[] row = new float[dim];
            StringBuilder answers = new StringBuilder();
            for (int l = 0; l < c.layers(); l++) {
                for (int p = 0; p < t.length; p++) {
                    double squares = 0;
                    for (int i = 0; i < dim; i++) {
                        squares += (double) residual[l][p * dim + i] * residual[l][p * dim + i];
                    }
                    double scale = 1 / Math.sqrt(squares / dim + c.normEps());
                    double[] logits = new double[vocab];
                    for (int v = 0; v < vocab; v++) {
                        w.output().dequantizeRow(v, row, 0);
                        double sum = 0;
                        for (int i = 0; i < dim; i++) {
                            sum += row[i] * (residual[l][p * dim + i] * scale * w.outputNorm()[i]);
                        }
                        logits[v] = sum;
                    }
                    int best = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        if (logits[v] > max) {
                            max = logits[v];
                            best = v;
                        }
                    }
                    double z = 0;
                    for (double x : logits) {
                        z += Math.exp(x - max);
                    }
                    assertEquals(best, lens.answer(l, p).id(), "layer " + l + " position " + p);
                    assertEquals(1 / z, lens.answer(l, p).p(), 1e-5, "layer " + l + " position " + p);
                }
                answers.append(piece(lens.answer(l, t.length - 1).id())).append('|');
            }
            assertEquals(LAST_POSITION_ANSWERS, answers.toString());
        }
    }

    /** What the lens says after each layer at the last token of the prompt above, from the scalar path. */
    private static final String LAST_POSITION_ANSWERS = "l|l| named| named| named|";

    private String piece(int id) {
        return new String(model.tokenizer().piece(id, true), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Knocking out nothing leaves every bit; a head's knock-out moves the distribution; both modes differ. */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void knockingOutNothingChangesNothingAndAHeadChangesSomething(String backend) {
        try (Compute ops = Backends.create(backend, 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("Lily wanted to play with the ball");
            float[] intact = pass.logits(t, null);
            ModelConfig c = model.config();
            for (KnockOut.Mode mode : KnockOut.Mode.values()) {
                KnockOut.Spec none = new KnockOut.Spec(List.of(), List.of(), mode);
                assertArrayEquals(intact, pass.logits(t, KnockOut.probe(c, none, KnockOut.Means.of(pass, t))), 0f);
            }
            KnockOut.Comparison same = KnockOut.compare(pass, t, KnockOut.Spec.none(), -1, 5, 6);
            assertArrayEquals(same.intact(), same.knocked());
            assertArrayEquals(same.intactContinuation(), same.knockedContinuation());
            assertEquals(0, same.klBits(), 0);

            KnockOut.Spec head = new KnockOut.Spec(List.of(new KnockOut.Head(0, 2)), List.of(), KnockOut.Mode.ZERO);
            KnockOut.Comparison one = KnockOut.compare(pass, t, head, -1, 5, 6);
            assertTrue(one.klBits() > 0, "one head off moves the distribution");
            KnockOut.Comparison mean = KnockOut.compare(pass, t, new KnockOut.Spec(head.heads(), List.of(),
                    KnockOut.Mode.MEAN), -1, 5, 6);
            assertNotEquals(one.klBits(), mean.klBits());
        }
    }

    /**
     * All heads of every layer knocked out equals a forward pass written here without
     * attention (stories has no attention biases: each attention block adds nothing), in
     * float64: the residual stream is the embedding plus the feed-forward blocks.
     */
    @Test
    void allHeadsKnockedOutIsAPassWithoutAttention() {
        ModelConfig c = model.config();
        List<KnockOut.Head> all = new java.util.ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                all.add(new KnockOut.Head(l, h));
            }
        }
        try (Compute ops = Backends.create("simd", 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("The sun was shining");
            float[] knocked = pass.logits(t, KnockOut.probe(c, new KnockOut.Spec(all, List.of(), KnockOut.Mode.ZERO), null));
            Weights w = model.transformer().weights();
            int dim = c.dim();
            int vocab = c.vocabSize();
            for (int p = 0; p < t.length; p++) {
                double[] x = row(w.tokenEmbedding(), t[p]);
                for (Weights.Layer layer : w.layers()) {
                    double[] h = rmsNorm(x, layer.ffnNorm(), c.normEps());
                    double[] gate = times(layer.gate(), h);
                    double[] up = times(layer.up(), h);
                    for (int i = 0; i < gate.length; i++) {
                        gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                    }
                    double[] down = times(layer.down(), gate);
                    for (int i = 0; i < dim; i++) {
                        x[i] += down[i];
                    }
                }
                double[] logits = times(w.output(), rmsNorm(x, w.outputNorm(), c.normEps()));
                for (int v = 0; v < vocab; v++) {
                    assertEquals(logits[v], knocked[p * vocab + v], 1e-3, "position " + p + ", token " + v);
                }
            }
        }
    }

    private static double[] row(org.llmexplorer.engine.tensor.WeightMatrix m, int r) {
        float[] f = new float[m.cols()];
        m.dequantizeRow(r, f, 0);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static double[] times(org.llmexplorer.engine.tensor.WeightMatrix m, double[] x) {
        double[] y = new double[m.rows()];
        for (int r = 0; r < m.rows(); r++) {
            double[] w = row(m, r);
            for (int i = 0; i < x.length; i++) {
                y[r] += w[i] * x[i];
            }
        }
        return y;
    }

    private static double[] rmsNorm(double[] x, float[] weight, float eps) {
        double squares = 0;
        for (double v : x) {
            squares += v * v;
        }
        double scale = 1 / Math.sqrt(squares / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * scale * weight[i];
        }
        return y;
    }

    /** The sweep ranks heads by the drop of the answer's probability, each drop what knocking out that head alone gives. */
    @Test
    void theSweepRanksHeadsByHowMuchTheAnswerDrops() {
        try (Compute ops = Backends.create("simd", 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("Once upon a time, there was a little");
            double[] seen = {0};
            KnockOut.Sweep sweep = KnockOut.sweep(pass, t, -1, -1, KnockOut.Mode.ZERO, f -> seen[0] = f, null);
            assertEquals(1.0, seen[0], 1e-12, "progress reaches the end");
            KnockOut.Head top = sweep.ranking().getFirst();
            KnockOut.Comparison alone = KnockOut.compare(pass, t, new KnockOut.Spec(List.of(top), List.of(),
                    KnockOut.Mode.ZERO), -1, model.config().vocabSize(), 0);
            double p = java.util.Arrays.stream(alone.knocked()).filter(x -> x.id() == sweep.target()).findFirst()
                    .orElseThrow().p();
            assertEquals(sweep.knockedP()[top.layer()][top.head()], p, 1e-12);
            assertTrue(sweep.drop(top.layer(), top.head()) >= sweep.drop(0, 0));
            assertThrows(CancellationException.class,
                    () -> KnockOut.sweep(pass, t, -1, -1, KnockOut.Mode.ZERO, null, () -> true));
        }
    }

    /** The clean stream put back whole at the last layer is the clean run; put back nowhere, the corrupted run. */
    @ParameterizedTest
    @ValueSource(strings = {"scalar", "simd"})
    void patchingEverythingIsTheCleanRunAndNothingTheCorruptedOne(String backend) {
        try (Compute ops = Backends.create(backend, 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] clean = tokens("Tom had a red ball. Tom gave the ball to");
            int[] corrupted = tokens("Ben had a red ball. Ben gave the ball to");
            assertEquals(clean.length, corrupted.length);
            Patching patching = new Patching(pass, clean, corrupted);
            int last = model.config().layers() - 1;
            assertArrayEquals(pass.logits(clean, null), patching.patched(last, null), 0f);
            assertArrayEquals(pass.logits(corrupted, null), patching.patched(0, new int[0]), 0f);
            assertEquals(1.0, patching.recovered(last, clean.length - 1), 1e-12,
                    "the last row after the last layer decides the answer");
            assertEquals(0.0, patching.recovered(last, 0), 1e-12, "an earlier row after the last layer decides nothing");
            Patching.Sweep sweep = patching.sweep(null, null);
            assertEquals(1.0, sweep.recovered()[last][clean.length - 1], 1e-12);
            // Before the first difference the two prompts are the same, so the streams are too.
            assertEquals(0.0, sweep.recovered()[0][0], 1e-12);
            assertThrows(IllegalArgumentException.class, () -> new Patching(pass, clean, tokens("Sue")));
        }
    }

    /**
     * The induction share is the weight on the tokens that followed an earlier copy of the query's
     * token, computed here from the weights a probe records, over the queries whose token repeats;
     * a text without repeats has none.
     */
    @Test
    void theInductionShareIsTheWeightOnWhatFollowedAnEarlierCopy() {
        try (Compute ops = Backends.create("simd", 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("Lily and Tom went to the park. Lily and Tom went to the park.");
            ModelConfig c = model.config();
            int n = t.length;
            float[][][][] w = new float[c.layers()][c.heads()][n][n];
            pass.logits(t, new org.llmexplorer.engine.model.Probe() {
                @Override
                public boolean recordsAttention(int layer, int head) {
                    return true;
                }

                @Override
                public void attention(int layer, int head, int query, int[] keys, float[] weights, int count) {
                    for (int i = 0; i < count; i++) {
                        w[layer][head][query][keys[i]] = weights[i];
                    }
                }
            });
            Readings r = Readings.of(pass, t);
            for (int l = 0; l < c.layers(); l++) {
                for (int h = 0; h < c.heads(); h++) {
                    double sum = 0;
                    int queries = 0;
                    for (int q = 0; q < n; q++) {
                        boolean repeats = false;
                        double share = 0;
                        for (int k = 1; k < q; k++) {
                            if (t[k - 1] == t[q]) {
                                repeats = true;
                                share += w[l][h][q][k];
                            }
                        }
                        if (repeats) {
                            sum += share;
                            queries++;
                        }
                    }
                    assertTrue(queries > 5);
                    assertEquals(sum / queries, r.inductionShare()[l][h], 1e-6, "layer " + l + " head " + h);
                }
            }
            int[] distinct = tokens("Once upon a time");
            assertEquals(distinct.length, java.util.Arrays.stream(distinct).distinct().count(), "no token repeats");
            Readings plain = Readings.of(pass, distinct);
            for (double[] row : plain.inductionShare()) {
                for (double v : row) {
                    assertEquals(0.0, v);
                }
            }
        }
    }

    /** The readings agree with the distributions and attention weights they summarise. */
    @Test
    void readingsSummariseTheDistributionsAndWeights() {
        try (Compute ops = Backends.create("simd", 2)) {
            Pass pass = new Pass(model, ops, null);
            int[] t = tokens("One day, a cat sat on a mat");
            Readings r = Readings.of(pass, t);
            float[] logits = pass.logits(t, null);
            int vocab = model.config().vocabSize();
            for (int p = 0; p < t.length; p++) {
                // Recording attention weights takes the attention kernel's other path, which rounds a little differently.
                assertEquals(Probabilities.entropyBits(logits, p * vocab, vocab), r.entropy()[p], 1e-5);
                assertTrue(r.entropy()[p] >= 0 && r.entropy()[p] <= Math.log(vocab) / Math.log(2) + 1e-9);
            }
            ModelConfig c = model.config();
            for (int l = 0; l < c.layers(); l++) {
                assertTrue(r.residualNorm()[l][0] > 0);
                for (int h = 0; h < c.heads(); h++) {
                    double shares = r.firstShare()[l][h] + r.selfShare()[l][h];
                    assertTrue(r.firstShare()[l][h] >= 0 && shares <= 1 + 1.0 / t.length + 1e-6, "first and self overlap only at 0");
                    assertTrue(r.previousShare()[l][h] >= 0 && r.previousShare()[l][h] <= 1 + 1e-6);
                    // at most log2 of the number of keys of the last query
                    assertTrue(r.headEntropy()[l][h] >= 0 && r.headEntropy()[l][h] <= Math.log(t.length) / Math.log(2) + 1e-6);
                }
            }
            // The KL divergence of a distribution with itself is zero, with a moved one positive.
            float[] moved = logits.clone();
            moved[3] += 2;
            assertEquals(0, Readings.klBits(logits, logits, 0, vocab), 1e-12);
            assertFalse(Readings.klBits(logits, moved, 0, vocab) <= 0);
        }
    }
}
