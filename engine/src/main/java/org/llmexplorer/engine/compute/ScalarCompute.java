package org.llmexplorer.engine.compute;

import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.engine.tensor.Q8_1Activations;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The reference implementation: plain loops on one thread, written to be read.
 * Every faster implementation must agree with it.
 */
public final class ScalarCompute implements Compute {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public boolean supports(Op op, GgmlType type) {
        return op != Op.MATMUL || TensorFormats.supported(type);
    }

    private float[] rounded = new float[0];

    @Override
    public void matmul(WeightMatrix w, float[] x, int batch, float[] out) {
        var format = w.format();
        int n = batch * w.cols();
        if (rounded.length < n) {
            rounded = new float[n];
        }
        // The activations as llama.cpp's dot product for this weight type sees them.
        ActivationRounding.forWeights(w.type()).apply(x, 0, n, rounded, 0);
        for (int t = 0; t < batch; t++) {
            for (int r = 0; r < w.rows(); r++) {
                out[t * w.rows() + r] = format.dot(w.data(), (long) r * w.cols(), rounded, t * w.cols(), w.cols());
            }
        }
        if (Q8_1Activations.applies(w.type())) {
            Q8_1Activations.addMinimumTerms(w, x, rounded, batch, out);
        }
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int batch, int dim, float eps) {
        for (int t = 0; t < batch; t++) {
            int o = t * dim;
            float scale = rmsScale(x, o, dim, eps);
            for (int i = 0; i < dim; i++) {
                out[o + i] = x[o + i] * scale * weight[i];
            }
        }
    }

    /**
     * 1 / sqrt(mean(x^2) + eps), rounded as ggml rounds it: float squares summed in double, the
     * mean and the root in float. Cheap next to a matrix product, and shared by every backend
     * so that the rounding of the activations that follows sees the same numbers.
     */
    public static float rmsScale(float[] x, int off, int n, float eps) {
        double sumOfSquares = 0;
        for (int i = 0; i < n; i++) {
            sumOfSquares += x[off + i] * x[off + i];
        }
        float mean = (float) (sumOfSquares / n);
        return 1f / (float) Math.sqrt(mean + eps);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return (float) sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            x[off + i] = (float) Math.exp(x[off + i] - max);
            sum += x[off + i];
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    @Override
    public void parallelFor(int n, Parallel.Task body) {
        for (int i = 0; i < n; i++) {
            body.run(i, 0);
        }
    }

    @Override
    public void close() {
    }
}
