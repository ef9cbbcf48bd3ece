package org.llmexplorer.engine.sampling;

import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.generate.TokenProbability;

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
        int token = run(logits, offset, vocab, draw, null, -1, 0);
        if (reportTopN <= 0) {
            return new SampledToken(token, draw, List.of());
        }
        List<StageReport> reports = new ArrayList<>();
        run(logits, offset, vocab, draw, reports, token, reportTopN);
        return new SampledToken(token, draw, reports);
    }

    /** The chain on a fresh candidate set; with {@code reports}, one report per stage about {@code chosen}. */
    private int run(float[] logits, int offset, int vocab, double draw, List<StageReport> reports, int chosen,
                    int topN) {
        if (candidates.ids.length < vocab) {
            candidates = new Candidates(vocab);
        }
        context.ensure(vocab);
        Candidates c = candidates;
        c.reset(logits, offset, vocab);
        if (reports != null) {
            reports.add(report("raw", c, chosen, topN));
        }
        for (SamplerStage stage : stages) {
            stage.apply(c, context);
            if (reports != null) {
                reports.add(report(stage.name(), c, chosen, topN));
            }
        }
        return draw(c, draw);
    }

    /** Samples from the softmax of the candidates, walking them in their current order. */
    private int draw(Candidates c, double u) {
        if (c.size == 1) {
            return c.ids[0];
        }
        double[] p = context.probs;
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

    private StageReport report(String name, Candidates c, int chosen, int topN) {
        double[] p = context.probs;
        c.probabilities(p);
        double entropy = 0;
        int chosenIndex = -1;
        for (int i = 0; i < c.size; i++) {
            if (p[i] > 0) {
                entropy -= p[i] * Math.log(p[i]);
            }
            if (c.ids[i] == chosen) {
                chosenIndex = i;
            }
        }
        int rank = 0;
        double chosenP = 0;
        if (chosenIndex >= 0) {
            chosenP = p[chosenIndex];
            rank = 1;
            for (int i = 0; i < c.size; i++) {
                if (p[i] > chosenP || (p[i] == chosenP && c.ids[i] < chosen)) {
                    rank++;
                }
            }
        }
        return new StageReport(name, c.size, entropy / Math.log(2), top(c, p, topN), rank, chosenP);
    }

    /** The n most probable candidates without reordering them. */
    private static TokenProbability[] top(Candidates c, double[] p, int n) {
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

    private static boolean better(Candidates c, double[] p, int a, int b) {
        return p[a] > p[b] || (p[a] == p[b] && c.ids[a] < c.ids[b]);
    }
}
