package org.llmexplorer.engine.sampling;

/** Picks the next token from a step's logits. One stage of generation, replaceable. */
@FunctionalInterface
public interface Sampler {

    /** The chosen token id, given logits[offset .. offset + vocab). Must not modify the logits. */
    int sample(float[] logits, int offset, int vocab);

    /** Generation starts after these tokens (samplers with penalties remember them). */
    default void reset(int[] prompt) {
    }

    /** This token was appended to the sequence. */
    default void accept(int token) {
    }

    /** The highest logit; the lowest id among equals. */
    static Sampler greedy() {
        return Sampler::argmax;
    }

    static int argmax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    /** The full chain for these settings. */
    static Sampler of(SamplingSettings s) {
        return new SamplerChain(s);
    }
}
