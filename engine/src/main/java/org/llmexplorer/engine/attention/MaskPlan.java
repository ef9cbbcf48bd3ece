package org.llmexplorer.engine.attention;

/** Which mask each attention head of each layer runs under. */
@FunctionalInterface
public interface MaskPlan {

    AttentionMask mask(int layer, int head);

    /** The same mask for every layer and head. */
    static MaskPlan everywhere(AttentionMask mask) {
        return (layer, head) -> mask;
    }

    /** Causal attention everywhere: what a decoder-only model was trained with. */
    static MaskPlan causal() {
        return everywhere(new CausalMask());
    }
}
