package org.llmexplorer.engine.attention;

/**
 * The strided pattern of the Sparse Transformer, causal. Row head: i - j &lt; l (the last l
 * positions). Column head: (i - j) mod l = 0 (every l-th position back). Suited to data with a
 * period of l, such as images.
 */
public record StridedMask(int l, SparsePattern head) implements AttentionMask {

    public StridedMask {
        Masks.require(l >= 1, "strided: l must be at least 1, got " + l);
    }

    @Override
    public boolean allowed(int query, int key, int n) {
        if (key > query) {
            return false;
        }
        boolean row = query - key < l;
        boolean column = (query - key) % l == 0;
        return switch (head) {
            case ROW -> row;
            case COLUMN -> column;
            case UNION, SPLIT -> row || column;
        };
    }

    @Override
    public int keys(int query, int n, int[] out) {
        int last = Math.min(query, n - 1);
        int rowFrom = Math.max(0, query - l + 1);
        int count = 0;
        if (head == SparsePattern.ROW) {
            for (int j = rowFrom; j <= last; j++) {
                out[count++] = j;
            }
            return count;
        }
        // Column keys below the row's window, then (for the union) the row's window itself.
        int limit = head == SparsePattern.COLUMN ? last : rowFrom - 1;
        for (int j = query % l; j <= limit; j += l) {
            out[count++] = j;
        }
        if (head == SparsePattern.COLUMN) {
            return count;
        }
        for (int j = rowFrom; j <= last; j++) {
            out[count++] = j;
        }
        return count;
    }

    @Override
    public boolean looksAhead() {
        return false;
    }

    @Override
    public String spec() {
        return "strided:l=" + l + (head == SparsePattern.UNION ? "" : ",head=" + head.word());
    }
}
