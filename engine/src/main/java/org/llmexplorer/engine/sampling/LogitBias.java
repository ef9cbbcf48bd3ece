package org.llmexplorer.engine.sampling;

import java.util.Map;

/** Adds a fixed bias to chosen tokens' logits (-infinity bans a token). */
public record LogitBias(Map<Integer, Float> bias) implements SamplerStage {

    public LogitBias {
        bias = Map.copyOf(bias);
    }

    @Override
    public String name() {
        return "logit_bias";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (bias.isEmpty()) {
            return;
        }
        for (int i = 0; i < c.size; i++) {
            Float b = bias.get(c.ids[i]);
            if (b != null) {
                c.logits[i] += b;
            }
        }
        c.sorted = 0;
        c.modified();
    }
}
