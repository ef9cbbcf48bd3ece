package org.llmexplorer.engine.sampling;

/**
 * Locally typical sampling (Meister et al., 2023): ranks tokens by how close their surprise
 * -log p is to the distribution's entropy, and keeps the smallest such set whose probability
 * exceeds p (p &gt;= 1: all).
 */
public record TypicalP(float p) implements SamplerStage {

    public TypicalP {
        if (!(p > 0)) {
            throw new IllegalArgumentException("typical-p must be positive, got " + p);
        }
    }

    @Override
    public String name() {
        return "typical_p";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (p >= 1f) {
            return;
        }
        float[] probs = ctx.probs;
        c.probabilities(probs);
        double entropy = 0;
        for (int i = 0; i < c.size; i++) {
            if (probs[i] > 0) {
                entropy -= probs[i] * Math.log(probs[i]);
            }
        }
        // Order by |surprise - entropy| (ties by id), then keep a prefix reaching p.
        int n = c.size;
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            double shift = Math.abs(-Math.log(probs[i]) - entropy);
            order[i] = ((long) Float.floatToIntBits((float) shift) << 32) | i; // non-negative floats sort as ints
        }
        java.util.Arrays.sort(order);
        int[] ids = new int[n];
        float[] logits = new float[n];
        double total = 0;
        int keep = n;
        for (int r = 0; r < n; r++) {
            int i = (int) order[r];
            ids[r] = c.ids[i];
            logits[r] = c.logits[i];
            total += probs[i];
            if (total > p && keep == n) { // strictly more than p, as llama.cpp keeps it
                keep = r + 1;
            }
        }
        System.arraycopy(ids, 0, c.ids, 0, n);
        System.arraycopy(logits, 0, c.logits, 0, n);
        c.sorted = 0;
        c.truncate(keep);
    }
}
