package org.llmexplorer.engine.sampling;

import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * The sampler chain: the stages of {@link SamplingSettings} in their order, then a draw from
 * what is left with a seeded generator. The same settings, seed and logits give the same token
 * on every run and every backend.
 *
 * <p>{@link #apply} is a pure function of logits, history, settings and the draw, so a changed
 * chain can be re-applied to a step whose logits are kept, without running the model, e.g. while
 * someone drags a slider.
 */
public final class SamplerChain implements Sampler {
    private SamplingSettings settings;
    private List<SamplerStage> stages;
    private final SplitMix64 random;
    private final SamplingContext context = new SamplingContext();
    private Candidates candidates = new Candidates(0);
    private int reportTop;
    private SampledToken last;

    public SamplerChain(SamplingSettings settings) {
        this.settings = settings;
        this.stages = settings.stages();
        this.random = new SplitMix64(settings.seed());
    }

    public SamplingSettings settings() {
        return settings;
    }

    /** Changes the settings for the following steps (the random sequence continues). */
    public void settings(SamplingSettings s) {
        this.settings = s;
        this.stages = s.stages();
    }

    /** Ask for stage reports with the n most likely tokens of each stage (0: none). */
    public SamplerChain reports(int n) {
        this.reportTop = n;
        return this;
    }

    /** The tokens before the next one: the prompt, for penalties. */
    @Override
    public void reset(int[] prompt) {
        context.clearHistory();
        for (int t : prompt) {
            context.add(t);
        }
    }

    @Override
    public void accept(int token) {
        context.add(token);
    }

    @Override
    public int sample(float[] logits, int offset, int vocab) {
        last = apply(logits, offset, vocab, random.nextDouble(), reportTop);
        return last.token();
    }

    /** What the last {@link #sample} drew, with its reports. */
    public SampledToken last() {
        return last;
    }

    /** Runs the chain on logits with a given draw; advances nothing. */
    public SampledToken apply(float[] logits, int offset, int vocab, double draw, int reportTopN) {
        if (candidates.ids.length < vocab) {
            candidates = new Candidates(vocab);
        }
        context.ensure(vocab);
        Candidates c = candidates;
        c.reset(logits, offset, vocab);
        Snapshots snaps = reportTopN > 0 ? snapshots(stages.size() + 1) : null;
        if (snaps != null) {
            snaps.take(0, "raw", c, context.probs, reportTopN);
        }
        for (int s = 0; s < stages.size(); s++) {
            SamplerStage stage = stages.get(s);
            stage.apply(c, context);
            if (snaps != null) {
                snaps.take(s + 1, stage.name(), c, context.probs, reportTopN);
            }
        }
        int token = draw(c, draw);
        return new SampledToken(token, draw, snaps == null ? List.of() : snaps.reports(token, stages.size() + 1));
    }

    /** Samples from the softmax of the candidates, walking them in their current order. */
    private int draw(Candidates c, double u) {
        if (c.size == 1) {
            return c.ids[0];
        }
        float[] p = context.probs;
        c.probabilities(p);
        double acc = 0;
        for (int i = 0; i < c.size; i++) {
            acc += p[i];
            if (u < acc) {
                return c.ids[i];
            }
        }
        return c.ids[c.size - 1];
    }

    private Snapshots snapshots;

    private Snapshots snapshots(int n) {
        if (snapshots == null || snapshots.ids.length < n) {
            snapshots = new Snapshots(n);
        }
        return snapshots;
    }

    /**
     * What each stage left, kept until the draw so that each report can say where the drawn token
     * stood. A stage that changed nothing shares the previous stage's snapshot (no new softmax).
     */
    private static final class Snapshots {
        final int[][] ids;
        final float[][] logits;
        final int[] size;
        final double[] logNorm;
        final double[] entropyBits;
        final TokenProbability[][] top;
        final String[] names;
        final int[] source; // which snapshot holds this stage's distribution
        int lastVersion = -1;

        Snapshots(int n) {
            ids = new int[n][];
            logits = new float[n][];
            size = new int[n];
            logNorm = new double[n];
            entropyBits = new double[n];
            top = new TokenProbability[n][];
            names = new String[n];
            source = new int[n];
        }

        void take(int k, String name, Candidates c, float[] p, int topN) {
            names[k] = name;
            if (k > 0 && c.version == lastVersion) {
                source[k] = source[k - 1];
                return;
            }
            lastVersion = c.version;
            source[k] = k;
            if (ids[k] == null || ids[k].length < c.size) {
                ids[k] = new int[c.ids.length];
                logits[k] = new float[c.ids.length];
            }
            System.arraycopy(c.ids, 0, ids[k], 0, c.size);
            System.arraycopy(c.logits, 0, logits[k], 0, c.size);
            size[k] = c.size;
            logNorm[k] = c.probabilities(p);
            // H = -sum p log p = log Z - sum p * logit, which needs no logarithm per token.
            double expectedLogit = 0;
            for (int i = 0; i < c.size; i++) {
                if (p[i] > 0) {
                    expectedLogit += p[i] * (double) c.logits[i];
                }
            }
            entropyBits[k] = Math.max(0, logNorm[k] - expectedLogit) / Math.log(2);
            top[k] = top(c, p, topN);
        }

        List<StageReport> reports(int chosen, int n) {
            List<StageReport> out = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                int s = source[k];
                int at = -1;
                for (int i = 0; i < size[s]; i++) {
                    if (ids[s][i] == chosen) {
                        at = i;
                        break;
                    }
                }
                int rank = 0;
                double p = 0;
                if (at >= 0) {
                    float l = logits[s][at];
                    p = Math.exp(l - logNorm[s]);
                    rank = 1;
                    for (int i = 0; i < size[s]; i++) {
                        float v = logits[s][i];
                        if (v > l || (v == l && ids[s][i] < chosen)) {
                            rank++;
                        }
                    }
                }
                out.add(new StageReport(names[k], size[s], entropyBits[s], top[s], rank, p));
            }
            return out;
        }
    }

    /** The n most probable candidates without reordering them. */
    private static TokenProbability[] top(Candidates c, float[] p, int n) {
        n = Math.min(n, c.size);
        int[] best = new int[n];
        int size = 0;
        for (int i = 0; i < c.size; i++) {
            if (size == n && !better(c, p, i, best[n - 1])) {
                continue;
            }
            int pos = size < n ? size++ : n - 1;
            while (pos > 0 && better(c, p, i, best[pos - 1])) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = i;
        }
        TokenProbability[] out = new TokenProbability[size];
        for (int i = 0; i < size; i++) {
            out[i] = new TokenProbability(c.ids[best[i]], p[best[i]]);
        }
        return out;
    }

    private static boolean better(Candidates c, float[] p, int a, int b) {
        return p[a] > p[b] || (p[a] == p[b] && c.ids[a] < c.ids[b]);
    }
}
