package org.llmexplorer.engine.train;

import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter): moments of the gradient with bias
 * correction, and a pull of each matrix toward zero that does not pass through the moments.
 * Vectors (norm weights) are not decayed.
 */
public final class AdamW {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    final float[][] m;
    final float[][] v;
    long step;

    public AdamW(List<Parameter> params, float beta1, float beta2, float eps, float weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        m = new float[params.size()][];
        v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).size()];
            v[i] = new float[params.get(i).size()];
        }
    }

    /** Updates every parameter from its gradient times {@code gradScale} (gradient clipping). */
    public void update(List<Parameter> params, float lr, float gradScale) {
        step++;
        float c1 = (float) (1 - Math.pow(beta1, step));
        float c2 = (float) (1 - Math.pow(beta2, step));
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            float[] w = p.value();
            float[] g = p.grad();
            float[] mi = m[i];
            float[] vi = v[i];
            float decay = p.isVector() ? 0f : lr * weightDecay;
            for (int j = 0; j < w.length; j++) {
                float gj = g[j] * gradScale;
                mi[j] = beta1 * mi[j] + (1 - beta1) * gj;
                vi[j] = beta2 * vi[j] + (1 - beta2) * gj * gj;
                float mHat = mi[j] / c1;
                float vHat = vi[j] / c2;
                w[j] -= lr * mHat / ((float) Math.sqrt(vHat) + eps) + decay * w[j];
            }
        }
    }

    /** Updates applied so far (the t of the bias correction). */
    public long step() {
        return step;
    }
}
