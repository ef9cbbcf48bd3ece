package org.llmexplorer.engine.attention;

/** Each position sees itself and everything before it: j &lt;= i. What decoder LLMs are trained with. */
public record CausalMask() implements AttentionMask {

    @Override
    public boolean allowed(int query, int key) {
        return key <= query;
    }

    @Override
    public int keys(int query, int length, int[] out) {
        int n = Math.min(query + 1, length);
        for (int j = 0; j < n; j++) {
            out[j] = j;
        }
        return n;
    }

    @Override
    public String spec() {
        return "causal";
    }
}
