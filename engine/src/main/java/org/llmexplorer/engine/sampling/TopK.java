package org.llmexplorer.engine.sampling;

/** Keeps the k most likely tokens (k &lt;= 0: all). */
public record TopK(int k) implements SamplerStage {

    @Override
    public String name() {
        return "top_k";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (k <= 0 || k >= c.size) {
            return;
        }
        c.sortDescending(k);
        c.truncate(k);
    }
}
