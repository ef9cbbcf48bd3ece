package org.llmexplorer.engine.train;

import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.ScalarCompute;

/**
 * RMSNorm: y = w * x * s with s = 1 / sqrt(mean(x^2) + eps), s computed as the engine computes it.
 * Backward, with g = w * dy: dx = s * g - x * s^3 * (g . x) / d, and dw += dy * x * s.
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /** out = norm of each of n vectors of x; scale[t] keeps s for the backward pass. */
    public static void forward(Parallel p, float[] x, float[] w, float[] out, float[] scale, int n, int d, float eps) {
        p.forEach(n, (t, worker) -> {
            int o = t * d;
            float s = ScalarCompute.rmsScale(x, o, d, eps);
            scale[t] = s;
            for (int i = 0; i < d; i++) {
                out[o + i] = x[o + i] * s * w[i];
            }
        });
    }

    /** dx = gradient of the input (overwritten), dw += gradient of the weight. */
    public static void backward(Parallel p, float[] dy, float[] x, float[] w, float[] scale, float[] dx, float[] dw,
                                int n, int d) {
        p.forEach(n, (t, worker) -> {
            int o = t * d;
            float s = scale[t];
            double gx = 0;
            for (int i = 0; i < d; i++) {
                gx += (double) w[i] * dy[o + i] * x[o + i];
            }
            float k = (float) (gx * s * s * s / d);
            for (int i = 0; i < d; i++) {
                dx[o + i] = s * w[i] * dy[o + i] - x[o + i] * k;
            }
        });
        for (int t = 0; t < n; t++) { // one thread, tokens in order: the same sum every time
            int o = t * d;
            float s = scale[t];
            for (int i = 0; i < d; i++) {
                dw[i] += dy[o + i] * x[o + i] * s;
            }
        }
    }
}
