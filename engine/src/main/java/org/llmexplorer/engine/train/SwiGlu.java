package org.llmexplorer.engine.train;

import org.llmexplorer.engine.compute.Parallel;

/**
 * The gate of the feed-forward network: a = silu(g) * u, silu(g) = g * sigmoid(g).
 * Backward: dg = da * u * sigmoid(g) * (1 + g * (1 - sigmoid(g))), du = da * silu(g).
 */
public final class SwiGlu {
    private static final int CHUNK = 4096;

    private SwiGlu() {
    }

    public static void forward(Parallel p, float[] g, float[] u, float[] a, int n) {
        p.forEach((n + CHUNK - 1) / CHUNK, (c, worker) -> {
            for (int i = c * CHUNK; i < Math.min(n, (c + 1) * CHUNK); i++) {
                float sig = sigmoid(g[i]);
                a[i] = g[i] * sig * u[i];
            }
        });
    }

    /** dg and du are overwritten. */
    public static void backward(Parallel p, float[] da, float[] g, float[] u, float[] dg, float[] du, int n) {
        p.forEach((n + CHUNK - 1) / CHUNK, (c, worker) -> {
            for (int i = c * CHUNK; i < Math.min(n, (c + 1) * CHUNK); i++) {
                float sig = sigmoid(g[i]);
                float silu = g[i] * sig;
                dg[i] = da[i] * u[i] * sig * (1f + g[i] * (1f - sig));
                du[i] = da[i] * silu;
            }
        });
    }

    /** Math.exp, as the engine's SwiGLU: the vector exp differs between interpreter and JIT. */
    private static float sigmoid(float v) {
        return 1f / (1f + (float) Math.exp(-v));
    }
}
