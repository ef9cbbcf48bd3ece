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

    /** What runs the operations, for people: the name and where (threads, the device). */
    default String describe() {
        return name() + " (" + threads() + (threads() == 1 ? " thread)" : " threads)");
    }

    /** Number of threads the operations use. */
    int threads();

    /**
     * Prompt tokens a pass should take by default: on the CPU, more tokens per widened weight
     * (128); a device keeps per-pass scratch (attention scores of every head over the whole
     * context) that grows with it, so it takes fewer.
     */
    default int promptBatch() {
        return 128;
    }

    /** Whether this implementation can run the operation for weights of this type. */
    boolean supports(Op op, GgmlType type);

    /**
     * Readies a weight matrix before its first product, so that the work is done while a model
     * loads rather than in its first reply (the SIMD backend repacks Q4_0, Q8_0 and the K-quants Q2_K to Q6_K).
     * Products work without it.
     */
    default void prepare(WeightMatrix w) {
    }

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

    /*
     * The operations below are cheap next to the matrix products, and only some families need
     * them; the scalar forms here are the specification and serve every backend.
     */

    /**
     * LayerNorm: out = (x - mean) / sqrt(var + eps) * weight + bias, per vector of dim values,
     * rounded as ggml rounds it (sums in double, mean, variance and scale in float).
     */
    default void layerNorm(float[] out, float[] x, float[] weight, float[] bias, int batch, int dim, float eps) {
        for (int t = 0; t < batch; t++) {
            int o = t * dim;
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                sum += x[o + i];
            }
            float mean = (float) (sum / dim);
            double squares = 0;
            for (int i = 0; i < dim; i++) {
                float v = x[o + i] - mean;
                squares += v * v;
            }
            float scale = 1f / (float) Math.sqrt((float) (squares / dim) + eps);
            for (int i = 0; i < dim; i++) {
                out[o + i] = (x[o + i] - mean) * scale * weight[i] + (bias == null ? 0f : bias[i]);
            }
        }
    }

    /** x[t * n + i] += bias[i] for each of batch vectors of n values. */
    default void addBias(float[] x, float[] bias, int batch, int n) {
        for (int t = 0; t < batch; t++) {
            for (int i = 0; i < n; i++) {
                x[t * n + i] += bias[i];
            }
        }
    }

    /** x[i] = gelu(x[i]) for i < n, as {@link Gelu} computes it. */
    default void gelu(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = Gelu.of(x[i]);
        }
    }

    /** gate[i] = gelu(gate[i]) * up[i] for i < n. */
    default void geglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            gate[i] = Gelu.of(gate[i]) * up[i];
        }
    }

    /** x[off + i] = cap * tanh(x[off + i] / cap) for i < n: squeezes values into (-cap, cap). */
    default void softcap(float[] x, int off, int n, float cap) {
        for (int i = off; i < off + n; i++) {
            x[i] = (float) Math.tanh(x[i] * (1f / cap)) * cap; // ggml scales by the reciprocal
        }
    }

    /**
     * Attention of one query for {@code heads} query heads that share their keys, values and mask
     * (a group of grouped-query attention, or one head): for each head h,
     * out[h] = softmax(scale * q[h] . k_j, soft-capped when softcap &gt; 0) . v_j over the allowed
     * keys j = allowed[0 .. n). Queries and outputs hold the heads one after another
     * (q[qOff + h * headDim + d]). Keys lie as {@link KeyBlocks} says: element d of key j is
     * keys[keyBase + KeyBlocks.index(j, d, headDim)]; values are position-major:
     * values[j * valueStride + valueBase + d].
     *
     * <p>{@code scores} is scratch of at least heads * n floats; with {@code keepWeights} it holds
     * each head's softmax on return (row h at h * n), for a recorder. This default is the plain
     * reference (whole rows of scores, sums in double); backends compute it faster.
     */
    default void attend(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase, float[] values,
                        int valueBase, int valueStride, int[] allowed, int n, float scale, float softcap,
                        float[] out, int outOff, float[] scores, boolean keepWeights) {
        referenceAttention(q, qOff, heads, headDim, keys, keyBase, values, valueBase, valueStride, allowed, n, scale,
                softcap, out, outOff, scores, false);
    }

    /**
     * As {@link #attend} with each weight rounded to half precision before it weighs the values,
     * as llama.cpp's product with a half-precision value cache takes half-precision weights. The
     * weights are kept in {@code scores}.
     */
    default void attendHalfWeights(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                                   float[] values, int valueBase, int valueStride, int[] allowed, int n, float scale,
                                   float softcap, float[] out, int outOff, float[] scores) {
        referenceAttention(q, qOff, heads, headDim, keys, keyBase, values, valueBase, valueStride, allowed, n, scale,
                softcap, out, outOff, scores, true);
    }

    /**
     * As {@link #attendHalfWeights} with the keys and values of a half-precision cache read where
     * they lie ({@link HalfHead}). This default decodes the allowed positions to floats and runs
     * the plain reference; backends widen them as they read.
     */
    default void attendF16(float[] q, int qOff, int heads, HalfHead kv, int[] allowed, int n, float scale,
                           float softcap, float[] out, int outOff, float[] scores) {
        int positions = n == 0 ? 0 : allowed[n - 1] + 1; // allowed keys ascend
        float[][] decoded = kv.decode(positions);
        referenceAttention(q, qOff, heads, kv.headDim(), decoded[0], 0, decoded[1], 0, kv.headDim(), allowed, n,
                scale, softcap, out, outOff, scores, true);
    }

    /**
     * As {@link #attend} with the keys and values of a Q8_0 cache read where they lie
     * ({@link Q8_0Head}). This default decodes the allowed positions to floats and runs the plain
     * reference; backends read the codes in place.
     */
    default void attendQ8_0(float[] q, int qOff, int heads, Q8_0Head kv, int[] allowed, int n, float scale,
                            float softcap, float[] out, int outOff, float[] scores, boolean keepWeights) {
        int positions = 0;
        for (int i = 0; i < n; i++) {
            positions = Math.max(positions, allowed[i] + 1);
        }
        float[][] decoded = kv.decode(positions);
        referenceAttention(q, qOff, heads, kv.headDim(), decoded[0], 0, decoded[1], 0, kv.headDim(), allowed, n,
                scale, softcap, out, outOff, scores, false);
    }

    private void referenceAttention(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                                    float[] values, int valueBase, int valueStride, int[] allowed, int n, float scale,
                                    float softcap, float[] out, int outOff, float[] scores, boolean halfWeights) {
        for (int h = 0; h < heads; h++) {
            int qo = qOff + h * headDim;
            int row = h * n;
            for (int i = 0; i < n; i++) {
                double sum = 0;
                int k = keyBase + KeyBlocks.index(allowed[i], 0, headDim);
                for (int d = 0; d < headDim; d++) {
                    sum += (double) q[qo + d] * keys[k + d * KeyBlocks.BLOCK];
                }
                scores[row + i] = (float) sum * scale;
            }
            if (softcap > 0) {
                softcap(scores, row, n, softcap);
            }
            softmax(scores, row, n);
            if (halfWeights) {
                roundToHalf(scores, row, n);
            }
            java.util.Arrays.fill(out, outOff + h * headDim, outOff + (h + 1) * headDim, 0f);
            for (int i = 0; i < n; i++) {
                axpy(scores[row + i], values, allowed[i] * valueStride + valueBase, out, outOff + h * headDim, headDim);
            }
        }
    }

    /** x[off + i] rounded to the nearest half-precision value (ties to even, as ggml converts), for i &lt; n. */
    static void roundToHalf(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) {
            x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i]));
        }
    }

    /** Runs body(i, worker) for i in [0, n), across this implementation's threads. */
    void parallelFor(int n, Parallel.Task body);

    @Override
    void close();
}
