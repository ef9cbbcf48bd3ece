package org.llmexplorer.engine.generate;

import org.llmexplorer.engine.sampling.TokenProbability;

/** Softmax over raw logits, computed in double, and the most probable tokens. */
public final class Probabilities {
    private Probabilities() {
    }

    /** log of the softmax normaliser: max + log(sum(exp(logit - max))). */
    public static double logSumExp(float[] logits, int offset, int vocab) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp((double) logits[offset + i] - max);
        }
        return max + Math.log(sum);
    }

    /** Entropy in bits of the softmax of logits[offset .. offset + vocab). */
    public static double entropyBits(float[] logits, int offset, int vocab) {
        return entropyBits(logits, offset, vocab, logSumExp(logits, offset, vocab));
    }

    /** As {@link #entropyBits(float[], int, int)} with the normaliser already known ({@link #logSumExp}). */
    public static double entropyBits(float[] logits, int offset, int vocab, double lse) {
        double h = 0;
        for (int i = 0; i < vocab; i++) {
            double logP = logits[offset + i] - lse;
            if (logP > -745) { // exp underflows to 0 below, and 0 * log 0 counts as 0
                h -= Math.exp(logP) * logP;
            }
        }
        return h / Math.log(2);
    }

    /** Probability of one token under the softmax of the logits. */
    public static double probability(float[] logits, int offset, int vocab, int token) {
        return probability(logits, offset, vocab, token, logSumExp(logits, offset, vocab));
    }

    /** As {@link #probability(float[], int, int, int)} with the normaliser already known. */
    public static double probability(float[] logits, int offset, int vocab, int token, double lse) {
        return Math.exp(logits[offset + token] - lse);
    }

    /** Rank of a token by logit among all (1 = the highest; equal logits rank by id). */
    public static int rank(float[] logits, int offset, int vocab, int token) {
        float l = logits[offset + token];
        int rank = 1;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (v > l || (v == l && i < token)) {
                rank++;
            }
        }
        return rank;
    }

    /** The n most probable tokens, most probable first (lowest id first among equals). */
    public static TokenProbability[] top(float[] logits, int offset, int vocab, int n) {
        return top(logits, offset, vocab, n, logSumExp(logits, offset, vocab));
    }

    /**
     * As {@link #top(float[], int, int, int)} with the normaliser already known: a step's
     * probability, alternatives and entropy share one pass over the vocabulary for it (each pass
     * takes about a millisecond over 128K logits).
     */
    public static TokenProbability[] top(float[] logits, int offset, int vocab, int n, double lse) {
        n = Math.min(n, vocab);
        int[] best = new int[n];
        int size = 0;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (size == n && v <= logits[offset + best[n - 1]]) {
                continue;
            }
            int pos = size < n ? size++ : n - 1;
            while (pos > 0 && logits[offset + best[pos - 1]] < v) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = i;
        }
        TokenProbability[] out = new TokenProbability[size];
        for (int i = 0; i < size; i++) {
            out[i] = new TokenProbability(best[i], Math.exp(logits[offset + best[i]] - lse));
        }
        return out;
    }
}
