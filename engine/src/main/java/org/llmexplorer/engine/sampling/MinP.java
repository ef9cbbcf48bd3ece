package org.llmexplorer.engine.sampling;

/** Keeps tokens whose probability is at least p times that of the most likely one (p &lt;= 0: all). */
public record MinP(float p) implements SamplerStage {

    @Override
    public String name() {
        return "min_p";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (p <= 0f) {
            return;
        }
        // prob_i >= p * prob_max  <=>  logit_i >= logit_max + ln p
        double threshold = c.maxLogit() + Math.log(p);
        c.retain(i -> c.logits[i] >= threshold);
    }
}
