package org.llmexplorer.engine.attention;

/**
 * r keys drawn at random for each query, the same every time for the same seed (BigBird's
 * random attention). The default draws among all n positions; the causal variant among
 * j &lt;= i. A query with fewer than r candidates sees all of them.
 */
public record RandomMask(int r, long seed, boolean causal) implements AttentionMask {

    public RandomMask {
        Masks.require(r >= 0, "random: r must be 0 or more, got " + r);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        return Masks.RandomDraw.contains(seed, query, candidates(query, n), r, key);
    }

    @Override
    public int keys(int query, int n, int[] out) {
        return Masks.RandomDraw.draw(seed, query, candidates(query, n), r, out);
    }

    private int candidates(int query, int n) {
        return causal ? Math.min(query + 1, n) : n;
    }

    @Override
    public boolean looksAhead() {
        return !causal;
    }

    @Override
    public String spec() {
        return "random:r=" + r + ",seed=" + seed + (causal ? ",causal=true" : "");
    }
}
