package org.llmexplorer.engine.session;

/**
 * Attention weights of every head of one layer over the conversation's tokens, under a mask
 * plan, with the mask's connectivity per head and where each token comes from.
 *
 * @param first   the transcript position of token 0 (above 0 when only the last tokens are shown)
 * @param weights [head][query][key]
 * @param allowed [head][query][key]
 * @param spans   per token, the characters of a message it stands for
 */
public record AttentionSnapshot(int layer, String plan, int first, String[] tokens, float[][][] weights,
                                boolean[][][] allowed, TokenSpan[] spans) {

    /** The first token that covers characters [from, to) of message m, or -1. */
    public int tokenAt(int message, int from, int to) {
        for (int i = 0; i < spans.length; i++) {
            if (spans[i].overlaps(message, from, to)) {
                return i;
            }
        }
        return -1;
    }
}
