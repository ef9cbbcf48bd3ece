package org.llmexplorer.engine.train;

import org.llmexplorer.engine.compute.Parallel;

/**
 * The next-token loss: the mean over tokens of -log softmax(logits)[target]. Its gradient with
 * respect to the logits is (softmax - onehot(target)) / n, written over the logits in place.
 */
public final class CrossEntropy {
    private CrossEntropy() {
    }

    /**
     * @param logits   n rows of vocab values; with {@code gradient} they become dLoss/dlogits
     * @param perToken scratch of n values (the per-token losses, summed in order afterwards)
     * @return the mean loss
     */
    public static double apply(Parallel p, float[] logits, int[] targets, int n, int vocab, float[] perToken,
                               boolean gradient) {
        float inv = 1f / n;
        p.forEach(n, (t, worker) -> {
            int o = t * vocab;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) {
                max = Math.max(max, logits[o + i]);
            }
            double sum = 0;
            for (int i = 0; i < vocab; i++) {
                sum += Math.exp(logits[o + i] - max);
            }
            double logSum = Math.log(sum) + max;
            perToken[t] = (float) (logSum - logits[o + targets[t]]);
            if (gradient) {
                for (int i = 0; i < vocab; i++) {
                    logits[o + i] = (float) Math.exp(logits[o + i] - logSum) * inv;
                }
                logits[o + targets[t]] -= inv;
            }
        });
        double total = 0;
        for (int t = 0; t < n; t++) {
            total += perToken[t];
        }
        return total / n;
    }
}
