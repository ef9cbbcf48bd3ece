package org.llmexplorer.engine.attention;

/** Each position sees itself and everything before it: j &lt;= i. What decoder LLMs are trained with. */
public record CausalMask() implements AttentionMask {

    @Override
    public boolean allowed(int query, int key, int n) {
        return key <= query;
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int count = Math.min(query + 1, n);
        for (int j = 0; j < count; j++) {
            out[j] = j;
        }
        return count;
    }

    @Override
    public boolean looksAhead() {
        return false;
    }

    @Override
    public String spec() {
        return "causal";
    }
}
