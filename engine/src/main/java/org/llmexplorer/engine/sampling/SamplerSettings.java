package org.llmexplorer.engine.sampling;

/**
 * @param temperature 0 for greedy decoding
 * @param topK        keep the k most likely tokens (0: all)
 * @param topP        keep the smallest set whose probability reaches p (1: all)
 * @param seed        seed of the random draw
 */
public record SamplerSettings(float temperature, int topK, float topP, long seed) {
    public SamplerSettings {
        if (temperature < 0 || Float.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 or more, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be 0 (off) or more, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }

    public static SamplerSettings greedy() {
        return new SamplerSettings(0f, 0, 1f, 0);
    }
}
