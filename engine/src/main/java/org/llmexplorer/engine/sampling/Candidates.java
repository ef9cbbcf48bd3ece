package org.llmexplorer.engine.sampling;

import org.llmexplorer.engine.compute.FastExp;
import java.util.Arrays;

/**
 * The tokens still in the running at some stage of sampling, with their current logits.
 * Stages lower logits (penalties, temperature) or drop tokens (top-k, top-p, ...). Arrays are
 * sized once for the vocabulary and reused, so sampling a step allocates nothing.
 *
 * <p>{@code sorted} counts the leading candidates known to be in descending order; stages that
 * need an order establish it with {@link #sortDescending}, which sorts only as far as needed.
 */
public final class Candidates {
    int[] ids;
    float[] logits;
    int size;
    /** ids[0 .. sorted) are in descending order of logit and no later candidate beats them. */
    int sorted;
    private long[] keys = new long[0];
    /** Bumped whenever the distribution changes (logits or survivors), so unchanged stages reuse reports. */
    int version;

    public Candidates(int vocab) {
        ids = new int[vocab];
        logits = new float[vocab];
    }

    /** Starts from every token of the vocabulary with its raw logit. */
    public void reset(float[] raw, int offset, int vocab) {
        if (ids.length < vocab) {
            ids = new int[vocab];
            logits = new float[vocab];
        }
        for (int i = 0; i < vocab; i++) {
            ids[i] = i;
        }
        System.arraycopy(raw, offset, logits, 0, vocab);
        size = vocab;
        sorted = 0;
        version++;
    }

    /** Marks the distribution as changed. */
    void modified() {
        version++;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return ids[i];
    }

    public float logit(int i) {
        return logits[i];
    }

    /** Keeps the first n candidates (in the current order). */
    void truncate(int n) {
        int before = size;
        size = Math.max(1, Math.min(size, n));
        sorted = Math.min(sorted, size);
        if (size != before) {
            version++;
        }
    }

    /** Keeps the candidates for which keep.test(i) holds, in their order (at least the best one). */
    void retain(java.util.function.IntPredicate keep) {
        int n = 0;
        int stillSorted = 0; // removing entries from the sorted run leaves it sorted
        int best = argmax();
        for (int i = 0; i < size; i++) {
            if (keep.test(i) || (i == best && n == 0 && noneKeptAfter(keep, i))) {
                if (i < sorted) {
                    stillSorted++;
                }
                ids[n] = ids[i];
                logits[n] = logits[i];
                n++;
            }
        }
        if (n != size) {
            version++;
        }
        size = n;
        sorted = stillSorted;
    }

    /** True when no candidate from index i on passes (so the best must be kept to leave one). */
    private boolean noneKeptAfter(java.util.function.IntPredicate keep, int from) {
        for (int i = from; i < size; i++) {
            if (keep.test(i)) {
                return false;
            }
        }
        return true;
    }

    private int argmaxOf(int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[i] > logits[best] || (logits[i] == logits[best] && ids[i] < ids[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Index of the candidate with the largest logit (the lowest id among equals when unsorted). */
    int argmax() {
        return sorted > 0 ? 0 : argmaxOf(size);
    }

    float maxLogit() {
        return logits[argmax()];
    }

    /**
     * Puts at least the first {@code atLeast} candidates in descending order of logit (ties by
     * ascending id), with no later candidate beating them. A whole 128K vocabulary is not
     * sorted: the largest are selected first (quickselect), and only they are sorted.
     */
    void sortDescending(int atLeast) {
        int k = Math.min(size, Math.max(1, atLeast));
        if (sorted >= k) {
            return;
        }
        int n = size;
        if (keys.length < n) {
            keys = new long[n];
        }
        for (int i = 0; i < n; i++) {
            keys[i] = sortKey(logits[i], ids[i]);
        }
        if (k < n) {
            Select.smallest(keys, n, k); // keys[0 .. k) hold the k largest logits
        }
        java.util.Arrays.sort(keys, 0, k);
        for (int i = 0; i < n; i++) {
            ids[i] = (int) keys[i];
            logits[i] = logitOf(keys[i]);
        }
        sorted = k == n - 1 ? n : k;
    }

    /** A long that orders by descending logit, then ascending id. */
    static long sortKey(float logit, int id) {
        int bits = Float.floatToIntBits(logit);
        int ordered = bits >= 0 ? bits : bits ^ 0x7FFFFFFF; // increasing with the float
        return ((long) ~ordered << 32) | (id & 0xFFFFFFFFL);
    }

    private static float logitOf(long key) {
        int ordered = ~(int) (key >>> 32);
        int bits = ordered >= 0 ? ordered : ordered ^ 0x7FFFFFFF;
        return Float.intBitsToFloat(bits);
    }

    /**
     * Probabilities of the candidates (softmax of their logits) written to {@code out[0 .. size)};
     * returns the log of the normaliser (logits minus it are log-probabilities).
     */
    double probabilities(float[] out) {
        float max = maxLogit();
        if (max == Float.NEGATIVE_INFINITY) { // everything banned: share evenly
            java.util.Arrays.fill(out, 0, size, 1f / size);
            return Math.log(size);
        }
        double sum = FastExp.expShifted(logits, max, size, out);
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < size; i++) {
            out[i] *= inv;
        }
        return max + Math.log(sum);
    }
}
