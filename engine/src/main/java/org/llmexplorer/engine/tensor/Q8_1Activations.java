package org.llmexplorer.engine.tensor;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.format.Blocks;

/**
 * The activation side of llama.cpp's Q4_1 and Q5_1 dot products (Q8_1 blocks). Per block of 32
 * the activations are rounded as for Q8_0, and each block also keeps s = fp16(d * sum(q)) with
 * the unrounded scale d = max|x| / 127. The weights' minimum m multiplies s, not the sum of the
 * rounded values fp16(d) * sum(q), so a dot product over the rounded values is short, per block,
 * of m * (s - sum of rounded values). The difference is tiny per block but, with a minimum in
 * every block of every weight, it moves probabilities by several hundredths in a small model.
 */
public final class Q8_1Activations {
    private Q8_1Activations() {
    }

    /** Whether products with these weights need {@link #addMinimumTerms}. */
    public static boolean applies(GgmlType weights) {
        return weights == GgmlType.Q4_1 || weights == GgmlType.Q5_1;
    }

    /**
     * Adds, to out[t * rows + r] for each of {@code batch} activation rows, the per-block terms
     * m * (s - sum of rounded values) by which llama.cpp's product differs from the product with
     * the rounded activations that out already holds.
     *
     * @param x       the activations before rounding, batch rows of w.cols()
     * @param rounded the same rounded as {@link ActivationRounding#Q8_0} rounds them
     */
    public static void addMinimumTerms(WeightMatrix w, float[] x, float[] rounded, int batch, float[] out) {
        int blocks = w.cols() / 32;
        int blockBytes = w.type().blockBytes;
        float[] corr = new float[blocks];
        for (int t = 0; t < batch; t++) {
            correction(x, rounded, t * w.cols(), blocks, corr);
            MemorySegment data = w.data();
            for (int r = 0; r < w.rows(); r++) {
                long rowBlock = (long) r * blocks;
                double sum = 0;
                for (int b = 0; b < blocks; b++) {
                    float m = Blocks.half(data, (rowBlock + b) * blockBytes + 2); // d then m in both formats
                    sum += m * corr[b];
                }
                out[t * w.rows() + r] += (float) sum;
            }
        }
    }

    /** s - sum(rounded values) for each block of 32 of x[off ..]. */
    static void correction(float[] x, float[] rounded, int off, int blocks, float[] corr) {
        for (int b = 0; b < blocks; b++) {
            int o = off + b * 32;
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[o + j]));
            }
            float d = amax / 127f;
            float id = amax != 0f ? 127f / amax : 0f;
            int sum = 0;
            double roundedSum = 0;
            for (int j = 0; j < 32; j++) {
                sum += (int) Math.rint(x[o + j] * id);
                roundedSum += rounded[o + j];
            }
            float s = Float.float16ToFloat(Float.floatToFloat16(d * sum));
            corr[b] = (float) (s - roundedSum);
        }
    }
}
