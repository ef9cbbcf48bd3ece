package org.llmexplorer.engine.compute;

import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The operations a forward pass spends its time in. The scalar implementation is the
 * specification; every other implementation is tested against it op by op.
 *
 * <p>Vectors are float arrays with offsets; a batch of {@code n} vectors of length {@code d} is
 * stored row after row ({@code n * d} floats).
 */
public interface Compute extends AutoCloseable {

    /** The operations an implementation may or may not offer for a weight type. */
    enum Op { MATMUL, RMS_NORM, SOFTMAX, SWIGLU, DOT, AXPY }

    String name();

    /** Number of threads the operations use. */
    int threads();

    /** Whether this implementation can run the operation for weights of this type. */
    boolean supports(Op op, GgmlType type);

    /** out[t * w.rows() + r] = dot(row r of w, x[t * w.cols() ...]) for t < batch. */
    void matmul(WeightMatrix w, float[] x, int batch, float[] out);

    /** out = x / sqrt(mean(x^2) + eps) * weight, over dim values, for each of batch vectors. */
    void rmsNorm(float[] out, float[] x, float[] weight, int batch, int dim, float eps);

    /** Sum of a[aOff + i] * b[bOff + i] for i < n. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** y[yOff + i] += alpha * x[xOff + i] for i < n. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** x[off .. off+n) becomes softmax of itself (max subtracted first). */
    void softmax(float[] x, int off, int n);

    /** gate[i] = silu(gate[i]) * up[i] for i < n, where silu(v) = v / (1 + exp(-v)). */
    void swiglu(float[] gate, float[] up, int n);

    /** Runs body(i, worker) for i in [0, n), across this implementation's threads. */
    void parallelFor(int n, Parallel.Task body);

    @Override
    void close();
}
