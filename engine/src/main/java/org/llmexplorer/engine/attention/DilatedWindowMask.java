package org.llmexplorer.engine.attention;

/**
 * A sliding window with gaps (Longformer's dilated window): w keys, d positions apart, so the
 * window reaches w * d positions back. Causal: j = i - k d for k = 0 .. w-1. Bidirectional:
 * j = i + k d for |k| &lt;= w/2. With d = 1 it is the sliding window.
 */
public record DilatedWindowMask(int w, int d, boolean causal) implements AttentionMask {

    public DilatedWindowMask {
        Masks.require(w >= 1, "dilated: w must be at least 1, got " + w);
        Masks.require(d >= 1, "dilated: d must be at least 1, got " + d);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        int delta = query - key;
        if (delta % d != 0) {
            return false;
        }
        int k = delta / d;
        return causal ? k >= 0 && k < w : Math.abs(k) <= w / 2;
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int kMin = causal ? 0 : -(w / 2);
        int kMax = causal ? w - 1 : w / 2;
        int count = 0;
        for (int k = kMax; k >= kMin; k--) { // ascending keys
            int j = query - k * d;
            if (j >= 0 && j < n) {
                out[count++] = j;
            }
        }
        return count;
    }

    @Override
    public boolean looksAhead() {
        return !causal && w >= 2;
    }

    @Override
    public String spec() {
        return "dilated:w=" + w + ",d=" + d + (causal ? "" : ",causal=false");
    }
}
