package org.llmexplorer.engine.inspect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Probe;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * Switching parts of the model off: attention heads (their output before the output projection)
 * and whole feed-forward blocks, replaced by zeros or by their mean over the prompt ("mean
 * ablation", which keeps the typical size of the value and removes only what depends on the
 * input). A probe at {@link Probe.Site#HEADS} and {@link Probe.Site#FFN_OUT} does it, on every
 * backend.
 */
public final class KnockOut {

    /** What a knocked-out value becomes. */
    public enum Mode { ZERO, MEAN }

    /** One attention head. */
    public record Head(int layer, int head) {
        /** "L.H", as the command line and exports write it. */
        public static Head parse(String text) {
            String[] parts = text.trim().split("\\.");
            try {
                if (parts.length == 2) {
                    return new Head(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
            throw new IllegalArgumentException("a head is LAYER.HEAD, e.g. 3.7, got '" + text + "'");
        }

        @Override
        public String toString() {
            return layer + "." + head;
        }
    }

    /** Which heads and which layers' feed-forward blocks are off, and how. */
    public record Spec(List<Head> heads, List<Integer> mlps, Mode mode) {
        public Spec {
            heads = List.copyOf(heads);
            mlps = List.copyOf(mlps);
        }

        public static Spec none() {
            return new Spec(List.of(), List.of(), Mode.ZERO);
        }

        /** Throws when a head or layer is not in the model. */
        public void check(ModelConfig c) {
            for (Head h : heads) {
                if (h.layer() < 0 || h.layer() >= c.layers() || h.head() < 0 || h.head() >= c.heads()) {
                    throw new IllegalArgumentException("head " + h + " is not in the model (" + c.layers() + " layers of "
                            + c.heads() + " heads, counted from 0)");
                }
            }
            for (int l : mlps) {
                if (l < 0 || l >= c.layers()) {
                    throw new IllegalArgumentException("layer " + l + " is not in the model (" + c.layers()
                            + " layers, counted from 0)");
                }
            }
        }
    }

    /** The next-token distributions and greedy continuations of the intact and the knocked-out model. */
    public record Comparison(Spec spec, TokenProbability[] intact, TokenProbability[] knocked, double klBits,
                             int[] intactContinuation, int[] knockedContinuation) {
    }

    /** The sweep: each head knocked out alone, and the probability the target token keeps. */
    public record Sweep(int target, double intactP, double[][] knockedP, Mode mode) {
        /** How much knocking out this head lowers the target's probability (negative: raises it). */
        public double drop(int layer, int head) {
            return intactP - knockedP[layer][head];
        }

        /** Heads by drop, largest first. */
        public List<Head> ranking() {
            List<Head> all = new ArrayList<>();
            for (int l = 0; l < knockedP.length; l++) {
                for (int h = 0; h < knockedP[l].length; h++) {
                    all.add(new Head(l, h));
                }
            }
            all.sort((a, b) -> Double.compare(drop(b.layer(), b.head()), drop(a.layer(), a.head())));
            return all;
        }
    }

    private KnockOut() {
    }

    /**
     * The probe applying a spec. For {@link Mode#MEAN} the means come from {@link #means}, an
     * intact pass over the prompt; new tokens of a continuation get the prompt's means too.
     */
    public static Probe probe(ModelConfig c, Spec spec, Means means) {
        Map<Integer, List<Integer>> headsByLayer = new HashMap<>();
        for (Head h : spec.heads()) {
            headsByLayer.computeIfAbsent(h.layer(), k -> new ArrayList<>()).add(h.head());
        }
        int hd = c.headDim();
        return new Probe() {
            @Override
            public boolean watches(Site site, int layer) {
                return site == Site.HEADS && headsByLayer.containsKey(layer)
                        || site == Site.FFN_OUT && spec.mlps().contains(layer);
            }

            @Override
            public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                float[] mean = spec.mode() == Mode.MEAN ? means.of(site, layer) : null;
                for (int t = 0; t < count; t++) {
                    if (site == Site.FFN_OUT) {
                        replace(values, t * width, mean, 0, width);
                    } else {
                        for (int h : headsByLayer.get(layer)) {
                            replace(values, t * width + h * hd, mean, h * hd, hd);
                        }
                    }
                }
                return true;
            }
        };
    }

    private static void replace(float[] values, int off, float[] mean, int meanOff, int n) {
        if (mean == null) {
            Arrays.fill(values, off, off + n, 0f);
        } else {
            System.arraycopy(mean, meanOff, values, off, n);
        }
    }

    /** The mean over the prompt's positions of every head output and feed-forward output: one intact pass. */
    public record Means(float[][] heads, float[][] ffn) {
        float[] of(Probe.Site site, int layer) {
            return (site == Probe.Site.HEADS ? heads : ffn)[layer];
        }

        public static Means of(Pass pass, int[] tokens) {
            int layers = pass.model().config().layers();
            float[][] heads = new float[layers][];
            float[][] ffn = new float[layers][];
            pass.logits(tokens, new Probe() {
                @Override
                public boolean watches(Site site, int layer) {
                    return site == Site.HEADS || site == Site.FFN_OUT;
                }

                @Override
                public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                    float[] mean = new float[width];
                    for (int t = 0; t < count; t++) {
                        for (int i = 0; i < width; i++) {
                            mean[i] += values[t * width + i];
                        }
                    }
                    for (int i = 0; i < width; i++) {
                        mean[i] /= count;
                    }
                    (site == Site.HEADS ? heads : ffn)[layer] = mean;
                    return false;
                }
            });
            return new Means(heads, ffn);
        }
    }

    /**
     * The intact and knocked-out model side by side: the top-N next tokens after a position of
     * the prompt (-1: the last), their divergence, and greedy continuations of the whole prompt.
     */
    public static Comparison compare(Pass pass, int[] prompt, Spec spec, int position, int topN, int continuation) {
        ModelConfig c = pass.model().config();
        spec.check(c);
        Means means = spec.mode() == Mode.MEAN ? Means.of(pass, prompt) : null;
        int vocab = c.vocabSize();
        int last = row(prompt, position) * vocab;
        float[] intact = pass.logits(prompt, null);
        float[] knocked = pass.logits(prompt, probe(c, spec, means));
        return new Comparison(spec, Probabilities.top(intact, last, vocab, topN), Probabilities.top(knocked, last, vocab, topN),
                Readings.klBits(intact, knocked, last, vocab), greedy(pass, prompt, null, continuation),
                greedy(pass, prompt, probe(c, spec, means), continuation));
    }

    private static int[] greedy(Pass pass, int[] prompt, Probe probe, int tokens) {
        if (tokens <= 0) {
            return new int[0];
        }
        int context = Math.min(pass.model().config().contextLength(), prompt.length + tokens);
        Generator g = new Generator(pass.model(), pass.ops(), context).masks(pass.masks());
        g.state().probe(probe);
        return g.generate(prompt, context - prompt.length, Sampler.greedy(), 0, null, null).generatedIds();
    }

    /**
     * Knocks out each head alone and records the probability of the target token after a
     * position of the prompt (-1: the last; target -1: the intact model's most probable token): layers x heads passes,
     * {@link #sweepPasses} of them, so the caller can say what it costs first.
     */
    public static Sweep sweep(Pass pass, int[] prompt, int position, int target, Mode mode, DoubleConsumer progress,
                              BooleanSupplier cancelled) {
        ModelConfig c = pass.model().config();
        int vocab = c.vocabSize();
        int last = row(prompt, position) * vocab;
        float[] intact = pass.logits(prompt, null);
        int answer = target >= 0 ? target : Probabilities.top(intact, last, vocab, 1)[0].id();
        if (answer >= vocab) {
            throw new IllegalArgumentException("token " + answer + " is not in the vocabulary of " + vocab);
        }
        Means means = mode == Mode.MEAN ? Means.of(pass, prompt) : null;
        double[][] p = new double[c.layers()][c.heads()];
        int done = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                Pass.check(cancelled);
                Spec one = new Spec(List.of(new Head(l, h)), List.of(), mode);
                float[] logits = pass.logits(prompt, probe(c, one, means));
                p[l][h] = Probabilities.probability(logits, last, vocab, answer);
                if (progress != null) {
                    progress.accept(++done / (double) sweepPasses(c));
                }
            }
        }
        return new Sweep(answer, Probabilities.probability(intact, last, vocab, answer), p, mode);
    }

    /** The prompt position a prediction is read at: -1 for the last. */
    static int row(int[] prompt, int position) {
        if (position < -1 || position >= prompt.length) {
            throw new IllegalArgumentException("position " + position + " is not in the prompt (" + prompt.length
                    + " tokens, from 0)");
        }
        return position < 0 ? prompt.length - 1 : position;
    }

    /** Forward passes of the prompt a sweep runs: one per head. */
    public static int sweepPasses(ModelConfig c) {
        return c.layers() * c.heads();
    }
}
