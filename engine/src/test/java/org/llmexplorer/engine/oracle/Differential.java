package org.llmexplorer.engine.oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.model.GoldenJudging;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * Our engine against llama.cpp on one model and prompt. Our distribution is computed at every
 * position of llama.cpp's own sequence (its prompt tokens, then its greedy tokens fed back, the
 * prompt in one batch and the rest token by token, as llama.cpp runs them), so every position
 * is compared even after the greedy choices part.
 *
 * <p>The tolerance rule: where our most likely token differs from llama.cpp's, the difference
 * counts as a divergence only if it is more than rounding can make. The position is run again
 * with the activations changed in their last bits: the scale of the 8-bit roundings llama.cpp
 * applies before quantized products (and the activations before fp16 and bf16 roundings, or
 * themselves for float weights) nudged by a quarter of a part per million to 16, the size of the
 * rounding error of a float sum of a few hundred products; on this backend and on another one.
 * (The quarter and half were added when a 26-layer gemma2 position, its top token changing with
 * every quarter ppm, was reached at 0.25 ppm and missed by all of 1 to 16; the others when a
 * gemma3 Q5_K position (llama.cpp's margin 0.25), after the products of Q8_0 weights became
 * exact integer sums, was missed by those 30 runs and reached by these. A planted 1% error in
 * gemma2's attention soft-cap is still flagged real with all 58, on F32 seed 1 and Q8_0 seed 2.)
 * It is rounding if one of those runs picks llama.cpp's token, or if the runs move the margin
 * between our token and llama.cpp's by more than our margin and llama.cpp's together (rounding
 * reaches across the whole distance; a sample of 58 runs may miss the very run that flips it).
 * On these random, decisive models a flipped 8-bit code moves probabilities by up to 0.5, and
 * through 26 gemma layers so does a last-bit difference in float weights.
 */
public final class Differential {

    /**
     * The golden tests' nudges (1 and 1 ± 1, 2, 4, 8, 16 ppm) and more between and below them,
     * 1 ± 1/16, 1/8, 1/4, 3/8, 1/2, 3/4, 1.5, 3 and 6 ppm: 29 scales, 58 runs on two backends.
     */
    private static final float[] NUDGES;

    static {
        float[] golden = GoldenJudging.nudges(true);
        float[] extra = {0.0625e-6f, 0.125e-6f, 0.375e-6f, 0.75e-6f, 1.5e-6f, 3e-6f, 6e-6f};
        NUDGES = Arrays.copyOf(golden, golden.length + 4 + 2 * extra.length);
        for (int i = 0; i < extra.length; i++) {
            NUDGES[golden.length + 4 + 2 * i] = 1f + extra[i];
            NUDGES[golden.length + 5 + 2 * i] = 1f - extra[i];
        }
        NUDGES[golden.length] = 1f + 0.25e-6f;
        NUDGES[golden.length + 1] = 1f - 0.25e-6f;
        NUDGES[golden.length + 2] = 1f + 0.5e-6f;
        NUDGES[golden.length + 3] = 1f - 0.5e-6f;
    }

    /** A position where our top token is not llama.cpp's. */
    public record Mismatch(int position, int ours, int llama, double llamaMargin, boolean rounding) {
    }

    /** The comparison of one case. */
    public record Report(String model, String prompt, String backend, boolean sameTokens, int positions, int generated,
                  double maxProbDiff, int maxDiffPosition, List<Mismatch> mismatches) {
        /** The first mismatch that rounding does not explain, or null. */
        public Mismatch firstReal() {
            return mismatches.stream().filter(m -> !m.rounding()).findFirst().orElse(null);
        }

        /** Where (counted in generated tokens) our greedy choice would first differ from llama.cpp's, or -1. */
        public int firstGreedyDivergence(int promptLength) {
            for (Mismatch m : mismatches) {
                if (m.position() >= promptLength - 1) {
                    return m.position() - (promptLength - 1);
                }
            }
            return -1;
        }

        public String json() {
            Mismatch real = firstReal();
            return String.format(java.util.Locale.ROOT,
                    "{\"model\":\"%s\",\"prompt\":\"%s\",\"backend\":\"%s\",\"same_tokens\":%s,\"positions\":%d,"
                            + "\"max_prob_diff\":%.5f,\"at\":%d,\"mismatches\":%d,\"by_rounding\":%d,\"real\":%s}",
                    model, prompt.replace("\"", "\\\""), backend, sameTokens, positions, maxProbDiff, maxDiffPosition,
                    mismatches.size(), mismatches.stream().filter(Mismatch::rounding).count(),
                    real == null ? "null" : String.format(java.util.Locale.ROOT,
                            "{\"position\":%d,\"ours\":%d,\"llama\":%d,\"llama_margin\":%.4f}", real.position(),
                            real.ours(), real.llama(), real.llamaMargin()));
        }
    }

    private Differential() {
    }

    public static Report compare(Model model, String name, String prompt, LlamaOracle.Answer a, Compute ops,
                                 Compute other) {
        return compare(model, name, prompt, a, ops, other, KvCache.Type.F32);
    }

    /** As {@link #compare(Model, String, String, LlamaOracle.Answer, Compute, Compute)} with our KV cache in this type. */
    public static Report compare(Model model, String name, String prompt, LlamaOracle.Answer a, Compute ops,
                                 Compute other, KvCache.Type kv) {
        int[] ours = model.tokenizer().encode(prompt, true, true);
        boolean sameTokens = Arrays.equals(ours, a.promptIds());
        int[] seq = a.sequence();
        int positions = Math.min(a.steps().size(), seq.length);
        List<float[]> logits = forced(model, ops, a.promptIds(), seq, positions, kv);
        int vocab = model.config().vocabSize();
        double maxDiff = 0;
        int maxAt = -1;
        List<Mismatch> mismatches = new ArrayList<>();
        for (int i = 0; i < positions; i++) {
            TokenProbability[] top = a.steps().get(i);
            float[] l = logits.get(i);
            for (TokenProbability t : top) {
                double d = Math.abs(Probabilities.probability(l, 0, vocab, t.id()) - t.p());
                if (d > maxDiff) {
                    maxDiff = d;
                    maxAt = i;
                }
            }
            int mine = Probabilities.top(l, 0, vocab, 1)[0].id();
            if (mine != top[0].id()) {
                double margin = top.length > 1 ? top[0].p() - top[1].p() : 1;
                double ourMargin = Probabilities.probability(l, 0, vocab, mine)
                        - Probabilities.probability(l, 0, vocab, top[0].id());
                double theirs = top[top.length - 1].p(); // our token's probability for llama.cpp, at most this if not listed
                for (TokenProbability t : top) {
                    if (t.id() == mine) {
                        theirs = t.p();
                    }
                }
                boolean rounding = reachableByRounding(model, ops, other, seq, i, top[0].id(), mine,
                        ourMargin + top[0].p() - theirs, kv);
                mismatches.add(new Mismatch(i, mine, top[0].id(), margin, rounding));
            }
        }
        return new Report(name, prompt, ops.describe(), sameTokens, positions, a.greedy().length, maxDiff, maxAt,
                mismatches);
    }

    /** Our logits after each of the first {@code positions} tokens of seq: the prompt in one batch, then token by token. */
    static List<float[]> forced(Model model, Compute ops, int[] prompt, int[] seq, int positions) {
        return forced(model, ops, prompt, seq, positions, KvCache.Type.F32);
    }

    static List<float[]> forced(Model model, Compute ops, int[] prompt, int[] seq, int positions, KvCache.Type kv) {
        int vocab = model.config().vocabSize();
        List<float[]> out = new ArrayList<>();
        Generator g = new Generator(model, ops, seq.length + 1, Math.max(1, prompt.length), kv);
        g.logits(prompt, (i, l, off) -> out.add(Arrays.copyOfRange(l, off, off + vocab)));
        int more = positions - prompt.length;
        if (more > 0) {
            int[] next = {prompt.length};
            Sampler forced = (l, off, n) -> {
                int k = next[0]++;
                if (k > prompt.length) { // the first call is the prompt's last position, already kept
                    out.add(Arrays.copyOfRange(l, off, off + n));
                }
                return k < seq.length ? seq[k] : seq[seq.length - 1]; // past the end: the last call, whose token is not used
            };
            g.generate(prompt, more + 1, forced, 0, null, null);
        }
        return out.subList(0, Math.min(positions, out.size()));
    }

    /**
     * Whether activations changed in their last bits give llama.cpp's token at this position, or
     * move the margin between our token and llama.cpp's by at least {@code distance}.
     */
    private static boolean reachableByRounding(Model model, Compute ops, Compute other, int[] seq, int position,
                                               int wanted, int ours, double distance, KvCache.Type kv) {
        int vocab = model.config().vocabSize();
        double[] range = {Double.MAX_VALUE, -Double.MAX_VALUE};
        try {
            for (float nudge : NUDGES) {
                ActivationRounding.jitterScale(nudge);
                for (Compute c : new Compute[] {ops, other}) {
                    boolean[] hit = {false};
                    Generator g = new Generator(model, c, position + 2, position + 1, kv);
                    g.logits(Arrays.copyOf(seq, position + 1), (i, l, off) -> {
                        if (i == position) {
                            hit[0] = Probabilities.top(l, off, vocab, 1)[0].id() == wanted;
                            double m = Probabilities.probability(l, off, vocab, ours)
                                    - Probabilities.probability(l, off, vocab, wanted);
                            range[0] = Math.min(range[0], m);
                            range[1] = Math.max(range[1], m);
                        }
                    });
                    if (hit[0]) {
                        return true;
                    }
                }
            }
            return range[1] - range[0] >= distance;
        } finally {
            ActivationRounding.jitterScale(1f);
        }
    }
}
