package org.llmexplorer.engine.attention;

import org.llmexplorer.engine.compute.Compute;

/**
 * Attention of one query computed tile by tile with an online softmax (the idea of
 * FlashAttention): keys are visited in tiles of {@link #TILE}; a running maximum m and a running
 * normaliser l are kept, and the output accumulated so far is rescaled by exp(m_old - m_new)
 * whenever the maximum grows. The whole row of scores is never held, yet the result equals
 * softmax(scores) . V up to rounding.
 */
public final class OnlineSoftmaxAttention {
    public static final int TILE = 32;

    private OnlineSoftmaxAttention() {
    }

    /**
     * out[outOff .. + headDim) = sum over allowed keys of softmax(s) * v, where s = q . k * scale,
     * soft-capped when {@code softcap} &gt; 0 (s becomes softcap * tanh(s / softcap)).
     *
     * @param keys    the n allowed key positions
     * @param kv      offset of this head within a position's key/value vector
     * @param stride  floats per position in the key and value arrays
     * @param tile    scratch of at least TILE floats
     */
    public static void attend(Compute ops, float[] q, int qOff, float[] k, float[] v, int kv, int stride,
                              int[] keys, int n, int headDim, float scale, float softcap, float[] out, int outOff,
                              float[] tile) {
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        float max = Float.NEGATIVE_INFINITY;
        double norm = 0;
        for (int t0 = 0; t0 < n; t0 += TILE) {
            int t1 = Math.min(n, t0 + TILE);
            float tileMax = Float.NEGATIVE_INFINITY;
            for (int i = t0; i < t1; i++) {
                tile[i - t0] = ops.dot(q, qOff, k, keys[i] * stride + kv, headDim) * scale;
            }
            if (softcap > 0) {
                ops.softcap(tile, 0, t1 - t0, softcap);
            }
            for (int i = t0; i < t1; i++) {
                tileMax = Math.max(tileMax, tile[i - t0]);
            }
            if (tileMax > max) { // rescale what was accumulated under the old maximum
                float correction = (float) Math.exp(max - tileMax);
                norm *= correction;
                for (int d = 0; d < headDim; d++) {
                    out[outOff + d] *= correction;
                }
                max = tileMax;
            }
            for (int i = t0; i < t1; i++) {
                float p = (float) Math.exp(tile[i - t0] - max);
                norm += p;
                ops.axpy(p, v, keys[i] * stride + kv, out, outOff, headDim);
            }
        }
        if (n > 0) {
            float inv = (float) (1.0 / norm);
            for (int d = 0; d < headDim; d++) {
                out[outOff + d] *= inv;
            }
        }
    }
}
