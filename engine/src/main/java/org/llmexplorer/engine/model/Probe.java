package org.llmexplorer.engine.model;

/**
 * An observer of a forward pass: it may read, and where it asks replace, the named values the
 * recipe ({@link Transformer#forward}) passes by, and receives the attention weights of the heads
 * it watches. The attention recorder is one ({@link InferenceState#recorder}); the logit lens,
 * knock-out and patching are others. Values are read back from a device, or copied on the host,
 * only for the sites a probe {@link #watches}: a pass nobody observes copies nothing.
 */
public interface Probe {

    /** The named values of a pass, each {@code count} rows (one per new token) of a width. */
    enum Site {
        /** Each head's attention output before the output projection: width heads x headDim, head after head. */
        HEADS,
        /** The attention block's output (after the output projection and any post-norm), width dim. */
        ATTENTION_OUT,
        /** The feed-forward block's output (after any post-norm), width dim. */
        FFN_OUT,
        /** The residual stream after a layer, width dim. */
        RESIDUAL,
        /** The final norm's output, the input of the output head (layer -1), width dim. */
        FINAL_NORM
    }

    /** Whether this probe looks at a site of a layer (-1 for {@link Site#FINAL_NORM}). */
    default boolean watches(Site site, int layer) {
        return false;
    }

    /**
     * The values at a site for tokens at positions startPos .. startPos + count - 1, row after
     * row. Returns true when it changed them in place, so that the pass goes on with the new
     * values; false leaves the pass as it was.
     */
    default boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
        return false;
    }

    /** Whether the attention weights of this head of this layer are wanted. */
    default boolean recordsAttention(int layer, int head) {
        return false;
    }

    /**
     * The weights one query paid to the keys it was allowed: weights[i] to position keys[i], i &lt; n.
     * May be called from several threads at once, for different (layer, head, query); the arrays
     * are valid only during the call (copy what you keep).
     */
    default void attention(int layer, int head, int query, int[] keys, float[] weights, int n) {
    }

    /** Both probes, a first then b; null stands for none. */
    static Probe both(Probe a, Probe b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return new Probe() {
            @Override
            public boolean watches(Site site, int layer) {
                return a.watches(site, layer) || b.watches(site, layer);
            }

            @Override
            public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                boolean changed = a.watches(site, layer) && a.at(site, layer, startPos, count, width, values);
                return (b.watches(site, layer) && b.at(site, layer, startPos, count, width, values)) | changed;
            }

            @Override
            public boolean recordsAttention(int layer, int head) {
                return a.recordsAttention(layer, head) || b.recordsAttention(layer, head);
            }

            @Override
            public void attention(int layer, int head, int query, int[] keys, float[] weights, int n) {
                if (a.recordsAttention(layer, head)) {
                    a.attention(layer, head, query, keys, weights, n);
                }
                if (b.recordsAttention(layer, head)) {
                    b.attention(layer, head, query, keys, weights, n);
                }
            }
        };
    }
}
