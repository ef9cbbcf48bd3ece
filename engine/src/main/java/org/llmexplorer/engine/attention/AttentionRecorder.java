package org.llmexplorer.engine.attention;

/**
 * Receives post-softmax attention weights while the model runs, for the layers and heads it
 * asks for. When no recorder is set, or it declines a head, nothing is copied: watching costs
 * nothing when nobody watches.
 *
 * <p>{@link #record} is called from the compute threads, at most once per (layer, head, query)
 * in a forward pass, so implementations only need to keep different queries apart.
 */
public interface AttentionRecorder {

    /** Whether the weights of this head of this layer are wanted. */
    boolean records(int layer, int head);

    /**
     * The weights of one query: {@code weights[k]} is the attention paid to key position
     * {@code keys[k]}, for k &lt; n; every other key got exactly 0.
     */
    void record(int layer, int head, int query, int[] keys, float[] weights, int n);
}
