package org.llmexplorer.engine.train;

/** What a training run reports while it runs (on the training thread). */
public interface TrainingListener {

    /** One optimiser step. */
    record Step(long step, int steps, double loss, float lr, double gradNorm, double tokensPerSecond, double seconds) {
    }

    void step(Step step);

    /** The held-out loss after {@code step} steps. */
    default void validation(long step, double loss) {
    }
}
