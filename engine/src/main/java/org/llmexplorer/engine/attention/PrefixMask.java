package org.llmexplorer.engine.attention;

/**
 * A prefix language model (UniLM's non-causal decoder): the first p positions see each other
 * in both directions; every later position sees all positions up to itself.
 * i &lt; p: any j &lt; p; i &gt;= p: j &lt;= i.
 */
public record PrefixMask(int p) implements AttentionMask {

    public PrefixMask {
        Masks.require(p >= 0, "prefix: p must be 0 or more, got " + p);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        return query < p ? key < p : key <= query;
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int count = query < p ? Math.min(p, n) : Math.min(query + 1, n);
        for (int j = 0; j < count; j++) {
            out[j] = j;
        }
        return count;
    }

    @Override
    public boolean looksAhead() {
        return p >= 2;
    }

    @Override
    public String spec() {
        return "prefix:p=" + p;
    }
}
