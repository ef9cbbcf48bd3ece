package org.llmexplorer.engine.session;

/**
 * Attention weights of every head of one layer over the conversation's tokens, under a mask
 * plan, with the mask's connectivity per head.
 *
 * @param weights [head][query][key]
 * @param allowed [head][query][key]
 */
public record AttentionSnapshot(int layer, String plan, String[] tokens, float[][][] weights, boolean[][][] allowed) {
}
