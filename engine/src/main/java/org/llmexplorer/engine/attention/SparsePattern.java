package org.llmexplorer.engine.attention;

/**
 * Which of the two patterns of a Sparse Transformer head (Child et al., 2019) a mask uses.
 * The paper gives the row ("local") pattern and the column ("summary") pattern to different
 * heads; {@code UNION} puts both in one mask, {@code SPLIT} (in a mask plan) gives even heads
 * the row pattern and odd heads the column pattern.
 */
public enum SparsePattern {
    ROW, COLUMN, UNION, SPLIT;

    public static SparsePattern parse(String s) {
        return switch (s) {
            case "row" -> ROW;
            case "column", "col" -> COLUMN;
            case "union", "both" -> UNION;
            case "split" -> SPLIT;
            default -> throw new IllegalArgumentException("head must be row, column, union or split, got '" + s + "'");
        };
    }

    public String word() {
        return name().toLowerCase();
    }

    /** The pattern a given head uses. */
    public SparsePattern forHead(int head) {
        return this == SPLIT ? (head % 2 == 0 ? ROW : COLUMN) : this;
    }
}
