package org.llmexplorer.engine.attention;

/**
 * Local attention over a window of w positions. Causal: i - w &lt; j &lt;= i (Mistral, Gemma 2's
 * local layers). Bidirectional: |i - j| &lt;= w/2 (Longformer's window).
 */
public record SlidingWindowMask(int w, boolean causal) implements AttentionMask {

    public SlidingWindowMask {
        Masks.require(w >= 1, "sliding: w must be at least 1, got " + w);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        return causal ? key <= query && query - key < w : Math.abs(query - key) <= w / 2;
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int from = causal ? Math.max(0, query - w + 1) : Math.max(0, query - w / 2);
        int to = causal ? Math.min(query, n - 1) : Math.min(n - 1, query + w / 2);
        int count = 0;
        for (int j = from; j <= to; j++) {
            out[count++] = j;
        }
        return count;
    }

    @Override
    public boolean looksAhead() {
        return !causal && w >= 2;
    }

    @Override
    public String spec() {
        return "sliding:w=" + w + (causal ? "" : ",causal=false");
    }
}
