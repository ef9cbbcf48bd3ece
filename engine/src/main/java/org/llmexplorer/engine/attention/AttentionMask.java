package org.llmexplorer.engine.attention;

/**
 * Which keys a query may attend to. Positions are absolute token positions in the sequence.
 * A mask is a value: the same mask always gives the same answer.
 *
 * <p>The attention loop asks for the allowed keys of a query with {@link #keys} and visits only
 * those, so the work follows the number of attended pairs rather than the square of the length.
 */
public interface AttentionMask {

    /** May query position i attend to key position j? */
    boolean allowed(int query, int key);

    /**
     * Writes the allowed keys of {@code query} among positions [0, length) to {@code out} in
     * ascending order and returns how many there are. {@code out} has room for length entries.
     */
    default int keys(int query, int length, int[] out) {
        int n = 0;
        for (int j = 0; j < length; j++) {
            if (allowed(query, j)) {
                out[n++] = j;
            }
        }
        return n;
    }

    /** The mask written the way the command line takes it, e.g. {@code causal}. */
    String spec();
}
