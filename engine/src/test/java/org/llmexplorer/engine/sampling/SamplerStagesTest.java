package org.llmexplorer.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each stage on hand-made distributions, against its definition. */
class SamplerStagesTest {

    /** Logits whose softmax is exactly the given probabilities. */
    static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            l[i] = (float) Math.log(probs[i]);
        }
        return l;
    }

    static int[] survivors(SamplerStage stage, float[] logits, int... history) {
        Candidates c = new Candidates(logits.length);
        c.reset(logits, 0, logits.length);
        SamplingContext ctx = new SamplingContext();
        ctx.ensure(logits.length);
        for (int t : history) {
            ctx.add(t);
        }
        stage.apply(c, ctx);
        int[] ids = new int[c.size()];
        for (int i = 0; i < c.size(); i++) {
            ids[i] = c.id(i);
        }
        Arrays.sort(ids);
        return ids;
    }

    @Test
    void topKKeepsTheKMostLikely() {
        float[] l = {0.1f, 3f, -2f, 2.5f, 0.7f, 3f};
        assertArrayEquals(new int[] {1, 3, 5}, survivors(new TopK(3), l));
        assertArrayEquals(new int[] {1}, survivors(new TopK(1), l), "ties go to the lower id");
        assertEquals(6, survivors(new TopK(0), l).length, "k = 0 keeps all");
        assertEquals(6, survivors(new TopK(10), l).length);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        float[] l = logitsOf(0.05, 0.5, 0.1, 0.2, 0.15);
        assertArrayEquals(new int[] {1}, survivors(new TopP(0.5f), l), "0.5 alone reaches 0.5");
        assertArrayEquals(new int[] {1, 3}, survivors(new TopP(0.6f), l));
        assertArrayEquals(new int[] {1, 3, 4}, survivors(new TopP(0.71f), l));
        assertArrayEquals(new int[] {1, 2, 3, 4}, survivors(new TopP(0.9f), l));
        assertEquals(5, survivors(new TopP(1f), l).length);
        // A large vocabulary with a small nucleus: the partial ordering must still find it.
        float[] big = new float[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = -10f - (i % 97) * 0.01f;
        }
        big[77_777] = 5f;
        big[123] = 4.5f;
        int[] kept = survivors(new TopP(0.5f), big);
        assertArrayEquals(new int[] {77_777}, kept);
    }

    @Test
    void minPKeepsTokensAtLeastPTimesTheBest() {
        float[] l = logitsOf(0.4, 0.1, 0.3, 0.04, 0.16);
        assertArrayEquals(new int[] {0, 2, 4}, survivors(new MinP(0.39f), l), "0.16 >= 0.39 * 0.4 > 0.1");
        assertArrayEquals(new int[] {0, 1, 2, 4}, survivors(new MinP(0.24f), l));
        assertArrayEquals(new int[] {0}, survivors(new MinP(1f), l));
        assertEquals(5, survivors(new MinP(0f), l).length);
    }

    @Test
    void typicalPKeepsTokensNearTheEntropy() {
        double[] p = {0.4, 0.3, 0.2, 0.1};
        double h = 0;
        for (double x : p) {
            h -= x * Math.log(x);
        }
        // |-log p - H| per token: ranks 1 (0.3), 2 (0.2), 0 (0.4), 3 (0.1) for this distribution.
        double[] shift = new double[4];
        for (int i = 0; i < 4; i++) {
            shift[i] = Math.abs(-Math.log(p[i]) - h);
        }
        assertTrue(shift[1] < shift[2] && shift[2] < shift[0] && shift[0] < shift[3], Arrays.toString(shift));
        assertArrayEquals(new int[] {1}, survivors(new TypicalP(0.29f), logitsOf(p)));
        assertArrayEquals(new int[] {1, 2}, survivors(new TypicalP(0.45f), logitsOf(p)));
        assertArrayEquals(new int[] {0, 1, 2}, survivors(new TypicalP(0.8f), logitsOf(p)));
    }

    @Test
    void penaltiesFollowTheirDefinitions() {
        float[] l = {2f, -1f, 0.5f, 3f};
        Candidates c = new Candidates(4);
        c.reset(l, 0, 4);
        SamplingContext ctx = new SamplingContext();
        ctx.ensure(4);
        for (int t : new int[] {0, 1, 1, 3, 0, 1}) {
            ctx.add(t);
        }
        // Only the last 5 tokens count: 1, 1, 3, 0, 1 -> counts 0:1, 1:3, 3:1.
        new Penalties(2f, 0.5f, 0.25f, 5).apply(c, ctx);
        assertEquals(2f / 2 - 1 * 0.5f - 0.25f, logit(c, 0), 1e-6, "positive logit divided");
        assertEquals(-1f * 2 - 3 * 0.5f - 0.25f, logit(c, 1), 1e-6, "negative logit multiplied");
        assertEquals(0.5f, logit(c, 2), 0f, "unseen token untouched");
        assertEquals(3f / 2 - 0.5f - 0.25f, logit(c, 3), 1e-6);
    }

    @Test
    void logitBiasAddsAndBans() {
        float[] l = {1f, 2f, 3f};
        Candidates c = new Candidates(3);
        c.reset(l, 0, 3);
        new LogitBias(Map.of(0, 5f, 2, Float.NEGATIVE_INFINITY)).apply(c, new SamplingContext());
        assertEquals(6f, logit(c, 0));
        assertEquals(Float.NEGATIVE_INFINITY, logit(c, 2));
        SamplerChain banned = new SamplerChain(SamplingSettings.defaults(1f, 3)
                .withTopK(0).withTopP(1f).withMinP(0f)
                .withOrder(List.of("logit_bias", "temperature")));
        SamplingSettings withBias = new SamplingSettings(1f, 0, 1f, 0f, 1f, 1f, 0, 0f, 0f,
                Map.of(2, Float.NEGATIVE_INFINITY), 3, List.of("logit_bias", "temperature"));
        banned.settings(withBias);
        for (int i = 0; i < 200; i++) {
            assertTrue(banned.sample(l, 0, 3) != 2, "a banned token is never drawn");
        }
    }

    @Test
    void temperatureLimits() {
        float[] l = logitsOf(0.5, 0.3, 0.2);
        double[] cold = finalDistribution(SamplingSettings.greedy().withTemperature(0.01f).withMinP(0f).withTopP(1f)
                .withTopK(0), l);
        assertEquals(1.0, cold[0], 1e-9, "T -> 0 approaches the argmax");
        double[] hot = finalDistribution(SamplingSettings.greedy().withTemperature(1000f).withMinP(0f).withTopP(1f)
                .withTopK(0), l);
        for (double p : hot) {
            assertEquals(1.0 / 3, p, 1e-3, "T -> infinity approaches uniform");
        }
        double[] hotKept = finalDistribution(SamplingSettings.greedy().withTemperature(1000f).withMinP(0f).withTopP(1f)
                .withTopK(2), l);
        assertEquals(0.5, hotKept[0], 1e-3, "uniform over the kept set");
        assertEquals(0.0, hotKept[2], 0.0);
        assertEquals(0, new SamplerChain(SamplingSettings.greedy()).sample(l, 0, 3), "T = 0 is greedy");
    }

    /** The distribution the draw samples from, indexed by token id, read from the chain's "final" stage. */
    static double[] finalDistribution(SamplingSettings s, float[] logits) {
        SampledToken t = new SamplerChain(s).apply(logits, 0, logits.length, 0.5, logits.length);
        StageReport last = t.stages().getLast();
        double[] p = new double[logits.length];
        for (var tp : last.top()) {
            p[tp.id()] = tp.p();
        }
        return p;
    }

    @Test
    void drawsFollowTheFinalDistribution() {
        // Chi-square goodness of fit at a fixed seed (not a flaky test: the seed fixes the draws).
        float[] l = logitsOf(0.3, 0.25, 0.2, 0.12, 0.08, 0.05);
        SamplingSettings s = new SamplingSettings(0.8f, 0, 1f, 0f, 1f, 1f, 0, 0f, 0f, Map.of(), 20261124,
                SamplingSettings.DEFAULT_ORDER);
        double[] expected = finalDistribution(s, l);
        SamplerChain chain = new SamplerChain(s);
        int n = 60_000;
        int[] counts = new int[6];
        for (int i = 0; i < n; i++) {
            counts[chain.sample(l, 0, 6)]++;
        }
        double chi2 = 0;
        for (int i = 0; i < 6; i++) {
            double e = expected[i] * n;
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
        }
        assertTrue(chi2 < 20.52, "chi-square " + chi2 + " above the 0.1% critical value for 5 degrees of freedom");
        // And temperature really changed the distribution it sampled from.
        assertTrue(expected[0] > 0.3 + 0.02, "T < 1 sharpens: " + expected[0]);
    }

    @Test
    void sameSeedSameDraws() {
        float[] l = logitsOf(0.3, 0.25, 0.2, 0.12, 0.08, 0.05);
        SamplerChain a = new SamplerChain(SamplingSettings.defaults(1f, 99));
        SamplerChain b = new SamplerChain(SamplingSettings.defaults(1f, 99));
        for (int i = 0; i < 500; i++) {
            assertEquals(a.sample(l, 0, 6), b.sample(l, 0, 6));
        }
    }

    @Test
    void reportsDescribeEveryStage() {
        float[] l = logitsOf(0.4, 0.3, 0.2, 0.1);
        SamplingSettings s = new SamplingSettings(1f, 3, 0.6f, 0f, 1f, 1f, 0, 0f, 0f, Map.of(), 1,
                SamplingSettings.DEFAULT_ORDER);
        SampledToken t = new SamplerChain(s).apply(l, 0, 4, 0.99, 2);
        List<String> names = t.stages().stream().map(StageReport::stage).toList();
        assertEquals(List.of("raw", "logit_bias", "penalties", "top_k", "typical_p", "top_p", "min_p", "temperature"),
                names);
        StageReport raw = t.stages().get(0);
        assertEquals(4, raw.survivors());
        double h = -(0.4 * Math.log(0.4) + 0.3 * Math.log(0.3) + 0.2 * Math.log(0.2) + 0.1 * Math.log(0.1)) / Math.log(2);
        assertEquals(h, raw.entropyBits(), 1e-6);
        assertEquals(0.4, raw.top()[0].p(), 1e-6);
        assertEquals(3, t.stages().get(3).survivors(), "top_k 3");
        StageReport topP = t.stages().get(5);
        assertEquals(2, topP.survivors(), "0.4/0.9 + 0.3/0.9 reaches 0.6");
        assertEquals(0.4 / 0.7, topP.top()[0].p(), 1e-6);
        // The draw 0.99 lands on the second survivor.
        assertEquals(1, t.token());
        assertEquals(2, topP.chosenRank());
        assertEquals(0.3 / 0.7, topP.chosenP(), 1e-6);
        assertEquals(2, raw.chosenRank());
        // Re-applying with the same draw gives the same step; a wider top-p changes it.
        assertEquals(t.token(), new SamplerChain(s).apply(l, 0, 4, 0.99, 0).token());
        assertEquals(2, new SamplerChain(s.withTopP(1f)).apply(l, 0, 4, 0.99, 0).token());
    }

    @Test
    void orderMatters() {
        float[] l = logitsOf(0.5, 0.3, 0.15, 0.05);
        // top-p 0.7 at T=1 keeps 2 tokens; after a hot temperature the same top-p keeps 3.
        SamplingSettings before = new SamplingSettings(3f, 0, 0.7f, 0f, 1f, 1f, 0, 0f, 0f, Map.of(), 1,
                List.of("top_p", "temperature"));
        SamplingSettings after = before.withOrder(List.of("temperature", "top_p"));
        assertEquals(2, new SamplerChain(before).apply(l, 0, 4, 0.1, 4).stages().getLast().survivors());
        assertEquals(3, new SamplerChain(after).apply(l, 0, 4, 0.1, 4).stages().getLast().survivors());
        assertThrows(IllegalArgumentException.class, () -> before.withOrder(List.of("top_p", "top_p")));
        assertThrows(IllegalArgumentException.class, () -> before.withOrder(List.of("top_z")));
    }

    private static float logit(Candidates c, int id) {
        for (int i = 0; i < c.size(); i++) {
            if (c.id(i) == id) {
                return c.logit(i);
            }
        }
        throw new AssertionError("token " + id + " was dropped");
    }
}
