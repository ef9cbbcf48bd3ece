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
        float[] probs = ctx.probs;
        c.probabilities(probs);
        // Bucket the probabilities by their leading bits (monotone in p), find the bucket where the
        // mass from the top reaches p, and order only the candidates down to that bucket: a
        // 128K vocabulary is never sorted whole.
        double[] mass = ctx.bucketMass;
        int[] count = ctx.bucketCount;
        java.util.Arrays.fill(mass, 0);
        java.util.Arrays.fill(count, 0);
        for (int i = 0; i < c.size; i++) {
            int b = bucket(probs[i]);
            mass[b] += probs[i];
            count[b]++;
        }
        double total = 0;
        int needed = 0;
        for (int b = mass.length - 1; b >= 0; b--) {
            total += mass[b];
            needed += count[b];
            if (total >= p) {
                break;
            }
        }
        c.sortDescending(needed);
        c.probabilities(probs);
        total = 0;
        for (int i = 0; i < needed; i++) {
            total += probs[i];
            if (total >= p) {
                c.truncate(i + 1);
                return;
            }
        }
    }

    /** Buckets of probabilities in (0, 1]: the exponent and 3 mantissa bits of the float. */
    static final int BUCKETS = 1 << 10; // floatToIntBits(1f) >> 20 is 1016

    static int bucket(float p) {
        return Math.min(BUCKETS - 1, Math.max(0, Float.floatToIntBits(p) >> 20));
    }
}
