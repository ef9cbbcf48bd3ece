package org.llmexplorer.engine.attention;

/**
 * Which keys a query may attend to: one predicate, "may query i attend to key j in a sequence
 * of n positions", and a way to list the allowed keys of a query so that the attention loop
 * visits only those (work proportional to attended pairs, not n squared).
 *
 * <p>Positions are absolute. Most masks ignore n; the non-causal random draws (random and
 * BigBird with {@code causal=false}) draw among all n positions.
 *
 * <p>A mask is a value: equal parameters, equal answers.
 */
public interface AttentionMask {

    /** May query position i attend to key position j, in a sequence of n positions (i, j &lt; n)? */
    boolean allowed(int query, int key, int n);

    /**
     * Writes the keys among [0, n) that {@code query} may attend to, ascending, to {@code out}
     * (room for n entries) and returns how many there are.
     */
    default int keys(int query, int n, int[] out) {
        int count = 0;
        for (int j = 0; j < n; j++) {
            if (allowed(query, j, n)) {
                out[count++] = j;
            }
        }
        return count;
    }

    /**
     * Whether some query may see a later position. Such masks change how a prompt is processed
     * (it must be processed in one piece), and while generating with a KV cache they apply only
     * among the positions that exist.
     */
    boolean looksAhead();

    /** The mask as the command line and saved settings write it, e.g. {@code sliding:w=32}. */
    String spec();

    /** The connectivity matrix for n positions: row = query, column = key. */
    default boolean[][] matrix(int n) {
        boolean[][] m = new boolean[n][n];
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) {
            int count = keys(i, n, keys);
            for (int k = 0; k < count; k++) {
                m[i][keys[k]] = true;
            }
        }
        return m;
    }
}
