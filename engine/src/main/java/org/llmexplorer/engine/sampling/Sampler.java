package org.llmexplorer.engine.sampling;

/** Picks the next token from a step's logits. One stage of generation, replaceable. */
@FunctionalInterface
public interface Sampler {

    /** The chosen token id, given logits[offset .. offset + vocab). Must not modify the logits. */
    int sample(float[] logits, int offset, int vocab);

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

    /** Greedy when temperature is 0, otherwise top-k, top-p, temperature and a seeded draw. */
    static Sampler of(SamplerSettings s) {
        return s.temperature() <= 0 ? greedy() : new RandomSampler(s);
    }
}
