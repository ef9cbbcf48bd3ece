package org.llmexplorer.engine.attention;

import java.util.Arrays;

/**
 * BigBird (Zaheer et al., 2020): Longformer's window and global positions plus r random keys per
 * query, reproducible from the seed. Bidirectional by default; {@code causal=true} keeps every
 * part to j &lt;= i.
 */
public record BigBirdMask(int w, int[] global, int r, long seed, boolean causal) implements AttentionMask {

    public BigBirdMask {
        Masks.require(w >= 1, "bigbird: w must be at least 1, got " + w);
        Masks.require(r >= 0, "bigbird: r must be 0 or more, got " + r);
        global = Masks.sortedPositions(global, "bigbird");
    }

    private LongformerMask local() {
        return new LongformerMask(w, global, causal);
    }

    private RandomMask random() {
        return new RandomMask(r, seed, causal);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        return local().allowed(query, key, n) || random().allowed(query, key, n);
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int[] a = Masks.scratch(1, n);
        int[] b = Masks.scratch(3, n);
        int na = local().keys(query, n, a);
        int nb = random().keys(query, n, b);
        return Masks.union(a, na, b, nb, out);
    }

    @Override
    public boolean looksAhead() {
        return !causal;
    }

    @Override
    public String spec() {
        return "bigbird:w=" + w + (global.length > 0 ? ",global=" + Masks.positions(global) : "") + ",r=" + r
                + ",seed=" + seed + (causal ? ",causal=true" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BigBirdMask m && m.w == w && m.r == r && m.seed == seed && m.causal == causal
                && Arrays.equals(m.global, global);
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
