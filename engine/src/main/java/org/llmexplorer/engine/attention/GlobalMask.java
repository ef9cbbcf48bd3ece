package org.llmexplorer.engine.attention;

/** Full bidirectional attention: every query sees every key (BERT-style encoders). */
public record GlobalMask() implements AttentionMask {

    @Override
    public boolean allowed(int query, int key, int n) {
        return true;
    }

    @Override
    public int keys(int query, int n, int[] out) {
        for (int j = 0; j < n; j++) {
            out[j] = j;
        }
        return n;
    }

    @Override
    public boolean looksAhead() {
        return true;
    }

    @Override
    public String spec() {
        return "global";
    }
}
