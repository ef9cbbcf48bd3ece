package org.llmexplorer.engine.sampling;

/**
 * Nucleus sampling (Holtzman et al., 2020): keeps the smallest set of most likely tokens whose
 * probability reaches p (p &gt;= 1: all).
 */
public record TopP(float p) implements SamplerStage {

    public TopP {
        if (!(p > 0)) {
            throw new IllegalArgumentException("top-p must be positive, got " + p);
        }
    }

    @Override
    public String name() {
        return "top_p";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (p >= 1f) {
            return;
        }
        double[] probs = ctx.probs;
        c.probabilities(probs);
        // The nucleus is usually small: order only as many candidates as it needs.
        double total = 0;
        for (int m = Math.min(c.size, 64); ; m = Math.min(c.size, m * 8)) {
            c.sortDescending(m);
            c.probabilities(probs);
            total = 0;
            for (int i = 0; i < m; i++) {
                total += probs[i];
                if (total >= p) {
                    c.truncate(i + 1);
                    return;
                }
            }
            if (m == c.size) {
                return;
            }
        }
    }
}
