package org.llmexplorer.engine.attention;

/**
 * The fixed pattern of the Sparse Transformer, causal. Row head: j in the same block of l as i
 * (floor(j/l) = floor(i/l)). Column head: j is one of the last c positions of its block
 * (j mod l &gt;= l - c), the "summary" cells every later position reads. Suited to text.
 */
public record FixedMask(int l, int c, SparsePattern head) implements AttentionMask {

    public FixedMask {
        Masks.require(l >= 1, "fixed: l must be at least 1, got " + l);
        Masks.require(c >= 1 && c <= l, "fixed: c must be in 1..l, got " + c);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        if (key > query) {
            return false;
        }
        boolean row = key / l == query / l;
        boolean column = key % l >= l - c;
        return switch (head) {
            case ROW -> row;
            case COLUMN -> column;
            case UNION, SPLIT -> row || column;
        };
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int last = Math.min(query, n - 1);
        int blockStart = query / l * l;
        int count = 0;
        if (head != SparsePattern.ROW) {
            // Summary cells of earlier blocks (and, for the column pattern, of this block too).
            int limit = head == SparsePattern.COLUMN ? last : blockStart - 1;
            for (int b = 0; b <= limit; b += l) {
                for (int j = b + l - c; j < b + l && j <= limit; j++) {
                    out[count++] = j;
                }
            }
        }
        if (head != SparsePattern.COLUMN) {
            for (int j = blockStart; j <= last; j++) {
                out[count++] = j;
            }
        }
        return count;
    }

    @Override
    public boolean looksAhead() {
        return false;
    }

    @Override
    public String spec() {
        return "fixed:l=" + l + ",c=" + c + (head == SparsePattern.UNION ? "" : ",head=" + head.word());
    }
}
