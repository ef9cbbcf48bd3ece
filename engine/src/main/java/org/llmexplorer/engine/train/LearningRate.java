package org.llmexplorer.engine.train;

/** Linear warm-up to the peak over the first steps, then cosine decay to a tenth of the peak at the last step. */
public record LearningRate(float peak, int warmup, int steps) {
    public static final float FLOOR = 0.1f;

    /** The rate of step s, counted from 0. */
    public float at(long s) {
        if (s < warmup) {
            return peak * (s + 1) / warmup;
        }
        long decaySteps = Math.max(1, steps - 1 - warmup);
        double progress = Math.min(1.0, (double) (s - warmup) / decaySteps);
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return (float) (peak * (FLOOR + (1 - FLOOR) * cosine));
    }
}
