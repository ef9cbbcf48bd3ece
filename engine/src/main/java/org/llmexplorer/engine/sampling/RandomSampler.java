package org.llmexplorer.engine.sampling;

import java.util.Arrays;

/**
 * Sampling in llama.cpp's default order: top-k on the logits, top-p on the probabilities of what
 * is left, then temperature and a draw from the renormalised distribution with a seeded
 * generator.
 */
final class RandomSampler implements Sampler {
    private final SamplerSettings settings;
    private final SplitMix64 random;
    private int[] ids = new int[0];
    private float[] probs = new float[0];

    RandomSampler(SamplerSettings settings) {
        this.settings = settings;
        this.random = new SplitMix64(settings.seed());
    }

    @Override
    public int sample(float[] logits, int offset, int vocab) {
        if (ids.length < vocab) {
            ids = new int[vocab];
            probs = new float[vocab];
        }
        int n = candidates(logits, offset, vocab);

        // Softmax over the candidates (sorted by logit, highest first) for top-p.
        float max = logits[offset + ids[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(logits[offset + ids[i]] - max);
        }
        if (settings.topP() < 1f) {
            double cumulative = 0;
            for (int i = 0; i < n; i++) {
                cumulative += Math.exp(logits[offset + ids[i]] - max) / sum;
                if (cumulative >= settings.topP()) {
                    n = i + 1;
                    break;
                }
            }
        }

        // Temperature, renormalise over the kept tokens, draw.
        double total = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = (float) Math.exp((logits[offset + ids[i]] - max) / settings.temperature());
            total += probs[i];
        }
        double r = random.nextDouble() * total;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (r < acc) {
                return ids[i];
            }
        }
        return ids[n - 1];
    }

    /** Fills ids with the candidate tokens sorted by logit, highest first, and returns how many. */
    private int candidates(float[] logits, int offset, int vocab) {
        int k = settings.topK() > 0 ? Math.min(settings.topK(), vocab) : vocab;
        // Sort (logit, id) pairs packed into longs: order-preserving float bits, then the id.
        long[] keys = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            int bits = Float.floatToIntBits(logits[offset + i]);
            int sortable = bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
            keys[i] = ((long) ~sortable << 32) | i; // descending logit, ascending id
        }
        Arrays.sort(keys);
        for (int i = 0; i < k; i++) {
            ids[i] = (int) keys[i];
        }
        return k;
    }
}
