package org.llmexplorer.engine.attention;

import java.util.Arrays;

/**
 * Longformer (Beltagy et al., 2020): a sliding window plus global positions that attend to every
 * position and are attended by every position. The window is bidirectional (|i - j| &lt;= w/2) as
 * in the paper; with {@code causal=true} the window is i - w &lt; j &lt;= i and global attention
 * too only looks back.
 */
public record LongformerMask(int w, int[] global, boolean causal) implements AttentionMask {

    public LongformerMask {
        Masks.require(w >= 1, "longformer: w must be at least 1, got " + w);
        global = Masks.sortedPositions(global, "longformer");
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        if (causal && key > query) {
            return false;
        }
        return Masks.isGlobal(global, query) || Masks.isGlobal(global, key)
                || new SlidingWindowMask(w, causal).allowed(query, key, n);
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int last = causal ? Math.min(query, n - 1) : n - 1;
        if (Masks.isGlobal(global, query)) {
            for (int j = 0; j <= last; j++) {
                out[j] = j;
            }
            return last + 1;
        }
        int[] window = Masks.scratch(0, n);
        int nw = new SlidingWindowMask(w, causal).keys(query, n, window);
        int ng = 0;
        while (ng < global.length && global[ng] <= last) {
            ng++;
        }
        return Masks.union(window, nw, global, ng, out);
    }

    @Override
    public boolean looksAhead() {
        return !causal;
    }

    @Override
    public String spec() {
        return "longformer:w=" + w + (global.length > 0 ? ",global=" + Masks.positions(global) : "")
                + (causal ? ",causal=true" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongformerMask m && m.w == w && m.causal == causal && Arrays.equals(m.global, global);
    }

    @Override
    public int hashCode() {
        return spec().hashCode();
    }

    @Override
    public String toString() {
        return spec();
    }
}
