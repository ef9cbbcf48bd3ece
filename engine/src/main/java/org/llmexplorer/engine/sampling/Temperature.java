package org.llmexplorer.engine.sampling;

/**
 * Divides logits by the temperature: below 1 sharpens, above 1 flattens the distribution.
 * At 0 only the most likely token remains (greedy decoding).
 */
public record Temperature(float t) implements SamplerStage {

    public Temperature {
        if (t < 0 || Float.isNaN(t)) {
            throw new IllegalArgumentException("temperature must be 0 or more, got " + t);
        }
    }

    @Override
    public String name() {
        return "temperature";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (t == 1f) {
            return;
        }
        if (t == 0f) {
            c.sortDescending(1);
            c.truncate(1);
            return;
        }
        float inv = 1f / t;
        for (int i = 0; i < c.size; i++) {
            c.logits[i] *= inv;
        }
        c.modified();
    }
}
