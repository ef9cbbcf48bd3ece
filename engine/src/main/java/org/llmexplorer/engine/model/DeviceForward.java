package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;

/**
 * A {@link Compute} that runs whole forward passes on a device of its own (a GPU through
 * OpenCL) rather than one operation at a time on host arrays: its weights are uploaded once and
 * the KV cache stays on the device. {@link Transformer#forward} hands a pass to it when it
 * {@link #runs} the model, and runs the CPU path otherwise (per-model fallback).
 *
 * <p>Where the KV cache lives: while an {@link InferenceState} holds a {@link State}, the device
 * holds every cached position of that conversation; without one, the host arrays do. Moving
 * between the two ({@link InferenceState#leaveDevice()}, or a device uploading the host cache
 * when it takes a conversation over) keeps a conversation intact whichever backend runs next.
 */
public interface DeviceForward {

    /** Null when this backend runs whole passes of this model on its device, otherwise the reason it does not. */
    String declines(ModelConfig config, Weights weights);

    /**
     * The steps of this model's passes that the device hands to the CPU, one at a time, for want
     * of a kernel (in words, e.g. "layer_norm", "matmul of Q4_K"); empty when it runs them all.
     */
    default java.util.List<String> hostSteps(ModelConfig config, Weights weights) {
        return java.util.List.of();
    }

    /** Whether forward passes of this model run on the device; cheap enough to ask before every pass. */
    default boolean runs(ModelConfig config, Weights weights) {
        return declines(config, weights) == null;
    }

    /**
     * As {@link Transformer#forward}, whose checks have passed: runs tokens[from .. from + count)
     * at positions startPos.. and leaves the logits (of the last token, or of every token when
     * {@code allLogits}) in {@link InferenceState#logitsFor}; attention weights go to the
     * state's recorder for the heads it watches.
     */
    void forward(Transformer transformer, InferenceState state, MaskPlan masks, int[] tokens, int from, int count,
                 int startPos, boolean allLogits);

    /** What a device keeps for one conversation (its KV cache and buffers), attached to its InferenceState. */
    interface State {
        /** Copies the cached keys and values of every position the device holds into the host cache. */
        void copyToHost(InferenceState host);

        /** Copies the cache of positions [0, positions) to another conversation, which the device then holds. */
        void copyTo(InferenceState target, int positions);

        /** Frees the device memory; the state is not used again. */
        void release();
    }
}
