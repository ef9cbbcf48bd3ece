package org.llmexplorer.engine.oracle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.model.GoldenJudging;
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
 * counts as a divergence only if it is more than rounding can make. For weights whose
 * activations llama.cpp rounds to 8-bit blocks, rounding can move codes across boundaries, and
 * on these random, decisive models a flipped code moves probabilities by up to about 0.1: the
 * position is run again with the rounding's scale nudged by 1 to 16 parts per million (the error
 * of a float sum of a few hundred products) on this backend and on the scalar reference; if any
 * of those runs picks llama.cpp's token, the difference is rounding. For float weights, where
 * rounding moves a probability by at most the golden tolerance (2e-3 F32, 1e-2 F16, 3e-2 BF16),
 * it is rounding when llama.cpp's own margin between its top two is within that tolerance.
 */
public final class Differential {

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

    public static Report compare(Model model, String name, String prompt, LlamaOracle.Answer a, Compute ops, Compute scalar) {
        int[] ours = model.tokenizer().encode(prompt, true, true);
        boolean sameTokens = Arrays.equals(ours, a.promptIds());
        int[] seq = a.sequence();
        int positions = Math.min(a.steps().size(), seq.length);
        List<float[]> logits = forced(model, ops, a.promptIds(), seq, positions);
        int vocab = model.config().vocabSize();
        double maxDiff = 0;
        int maxAt = -1;
        List<Mismatch> mismatches = new ArrayList<>();
        boolean eightBit = eightBit(model);
        double floatTolerance = floatTolerance(model);
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
                boolean rounding = eightBit ? reachableByRounding(model, ops, scalar, seq, i, top[0].id())
                        : margin <= floatTolerance;
                mismatches.add(new Mismatch(i, mine, top[0].id(), margin, rounding));
            }
        }
        return new Report(name, prompt, ops.describe(), sameTokens, positions, a.greedy().length, maxDiff, maxAt,
                mismatches);
    }

    /** Our logits after each of the first {@code positions} tokens of seq: the prompt in one batch, then token by token. */
    static List<float[]> forced(Model model, Compute ops, int[] prompt, int[] seq, int positions) {
        int vocab = model.config().vocabSize();
        List<float[]> out = new ArrayList<>();
        Generator g = new Generator(model, ops, seq.length + 1, Math.max(1, prompt.length));
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

    /** Whether some rounding of activations within a float sum's error gives llama.cpp's token at this position. */
    private static boolean reachableByRounding(Model model, Compute ops, Compute scalar, int[] seq, int position, int wanted) {
        int vocab = model.config().vocabSize();
        try {
            for (float nudge : GoldenJudging.nudges(true)) {
                ActivationRounding.jitterScale(nudge);
                for (Compute c : new Compute[] {ops, scalar}) {
                    boolean[] hit = {false};
                    Generator g = new Generator(model, c, position + 2, position + 1);
                    g.logits(Arrays.copyOf(seq, position + 1), (i, l, off) -> {
                        if (i == position && Probabilities.top(l, off, vocab, 1)[0].id() == wanted) {
                            hit[0] = true;
                        }
                    });
                    if (hit[0]) {
                        return true;
                    }
                }
            }
            return false;
        } finally {
            ActivationRounding.jitterScale(1f);
        }
    }

    /** Whether any matrix of the model has its activations rounded to 8-bit blocks. */
    static boolean eightBit(Model model) {
        for (GgufTensorInfo t : model.file().tensors()) {
            if (ActivationRounding.forWeights(t.type()) == ActivationRounding.Q8_0
                    || ActivationRounding.forWeights(t.type()) == ActivationRounding.Q8_K) {
                return true;
            }
        }
        return false;
    }

    private static double floatTolerance(Model model) {
        double t = 2e-3;
        for (GgufTensorInfo t2 : model.file().tensors()) {
            t = Math.max(t, switch (t2.type()) {
                case F16 -> 1e-2;
                case BF16 -> 3e-2;
                default -> 2e-3;
            });
        }
        return t;
    }
}
