package org.llmexplorer.engine.sampling;

/**
 * One stage of the sampler chain: it lowers logits or drops candidates. A disabled setting
 * (top-k 0, top-p 1, ...) makes the stage leave the candidates as they are.
 */
public interface SamplerStage {

    /** The stage's name, as in settings and reports: {@code top_k}, {@code temperature}, ... */
    String name();

    void apply(Candidates c, SamplingContext context);
}
