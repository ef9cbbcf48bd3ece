package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.FastExp;
import org.llmexplorer.engine.compute.KeyBlocks;

/**
 * Attention of one query for the query heads of a group that share keys, values and mask,
 * computed as FlashAttention does: keys are visited in tiles, with a running maximum and
 * normaliser per head, and the output accumulated so far rescaled whenever the maximum grows,
 * so no row of scores is ever held whole. Within a tile the scores of a run of consecutive keys
 * are vectors over keys (keys are stored dimension-major), and up to four heads share every
 * key loaded; the values are added per head, vectors over the head's dimensions. Keys a mask
 * scatters (random, BigBird) are scored one at a time. With the weights kept (a recorder
 * watches, or they are rounded to half precision first), the whole row is scored first and
 * soft-maxed, then summed.
 */
final class AttentionKernel {
    /** Keys per tile: their scores for four heads, and their values, stay in the first-level cache. */
    static final int TILE = 64;

    private AttentionKernel() {
    }

    /** Each head's running maximum and normaliser, per thread, so that attention allocates nothing. */
    private static final class Running {
        float[] max = new float[8];
        double[] norm = new double[8];
    }

    private static final ThreadLocal<Running> RUNNING = ThreadLocal.withInitial(Running::new);

    static void attend(Compute ops, float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                       float[] values, int valueBase, int valueStride, int[] allowed, int n, float scale, float softcap,
                       float[] out, int outOff, float[] scores, boolean keepWeights, boolean halfWeights) {
        java.util.Arrays.fill(out, outOff, outOff + heads * headDim, 0f);
        if (n == 0) {
            return;
        }
        if (keepWeights) {
            scores(q, qOff, heads, headDim, keys, keyBase, allowed, 0, n, scale, scores, 0, n);
            for (int h = 0; h < heads; h++) {
                if (softcap > 0) {
                    ops.softcap(scores, h * n, n, softcap);
                }
                ops.softmax(scores, h * n, n);
                if (halfWeights) {
                    Compute.roundToHalf(scores, h * n, n);
                }
            }
            accumulate(scores, 0, n, heads, headDim, values, valueBase, valueStride, allowed, 0, n, out, outOff);
            return;
        }
        Running r = RUNNING.get();
        if (r.max.length < heads) {
            r.max = new float[heads];
            r.norm = new double[heads];
        }
        float[] max = r.max;
        double[] norm = r.norm;
        java.util.Arrays.fill(max, 0, heads, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(norm, 0, heads, 0);
        for (int t0 = 0; t0 < n; t0 += TILE) {
            int t1 = Math.min(n, t0 + TILE);
            int len = t1 - t0;
            scores(q, qOff, heads, headDim, keys, keyBase, allowed, t0, t1, scale, scores, 0, len);
            for (int h = 0; h < heads; h++) {
                int row = h * len;
                if (softcap > 0) {
                    ops.softcap(scores, row, len, softcap);
                }
                float tileMax = rowMax(scores, row, len);
                if (tileMax > max[h]) { // rescale what was accumulated under the smaller maximum
                    float correction = (float) Math.exp(max[h] - tileMax);
                    norm[h] *= correction;
                    scale(out, outOff + h * headDim, headDim, correction);
                    max[h] = tileMax;
                }
                norm[h] += exps(scores, row, len, max[h]);
            }
            accumulate(scores, 0, len, heads, headDim, values, valueBase, valueStride, allowed, t0, t1, out, outOff);
        }
        for (int h = 0; h < heads; h++) {
            scale(out, outOff + h * headDim, headDim, (float) (1.0 / norm[h]));
        }
    }

    /**
     * scores[outBase + h * rowLen + (i - from)] = scale * q[h] . key(allowed[i]) for i in [from, to):
     * a run of L consecutive keys within a block at a time as vectors over keys, four heads per key load.
     */
    static void scores(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase, int[] allowed,
                       int from, int to, float scale, float[] out, int outBase, int rowLen) {
        final int stride = KeyBlocks.BLOCK; // from one dimension to the next within a block
        int i = from;
        while (i < to) {
            int key = allowed[i];
            int at = outBase + i - from;
            if (key % L == 0 && i + L <= to && allowed[i + L - 1] == key + L - 1) { // a run of L in one block
                int kb = keyBase + KeyBlocks.index(key, 0, headDim);
                int h = 0;
                for (; h + 4 <= heads; h += 4) {
                    int q0 = qOff + h * headDim;
                    FloatVector a0 = FloatVector.zero(F);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    for (int d = 0; d < headDim; d++) {
                        FloatVector k = FloatVector.fromArray(F, keys, kb + d * stride);
                        a0 = k.fma(FloatVector.broadcast(F, q[q0 + d]), a0);
                        a1 = k.fma(FloatVector.broadcast(F, q[q0 + headDim + d]), a1);
                        a2 = k.fma(FloatVector.broadcast(F, q[q0 + 2 * headDim + d]), a2);
                        a3 = k.fma(FloatVector.broadcast(F, q[q0 + 3 * headDim + d]), a3);
                    }
                    a0.mul(scale).intoArray(out, at + h * rowLen);
                    a1.mul(scale).intoArray(out, at + (h + 1) * rowLen);
                    a2.mul(scale).intoArray(out, at + (h + 2) * rowLen);
                    a3.mul(scale).intoArray(out, at + (h + 3) * rowLen);
                }
                for (; h < heads; h++) {
                    int q0 = qOff + h * headDim;
                    FloatVector a = FloatVector.zero(F);
                    for (int d = 0; d < headDim; d++) {
                        a = FloatVector.fromArray(F, keys, kb + d * stride).fma(FloatVector.broadcast(F, q[q0 + d]), a);
                    }
                    a.mul(scale).intoArray(out, at + h * rowLen);
                }
                i += L;
            } else { // a key on its own
                int kb = keyBase + KeyBlocks.index(key, 0, headDim);
                for (int h = 0; h < heads; h++) {
                    int q0 = qOff + h * headDim;
                    float s = 0f;
                    for (int d = 0; d < headDim; d++) {
                        s = Math.fma(q[q0 + d], keys[kb + d * stride], s);
                    }
                    out[at + h * rowLen] = s * scale;
                }
                i++;
            }
        }
    }

    /**
     * out[h] += sum over i in [from, to) of p[pBase + h * rowLen + (i - from)] * value(allowed[i]).
     * Four vectors of a head's dimensions at a time, each with its own accumulator: one
     * accumulator over all keys would wait for its previous multiply-add at every key.
     */
    static void accumulate(float[] p, int pBase, int rowLen, int heads, int headDim, float[] values, int valueBase,
                           int valueStride, int[] allowed, int from, int to, float[] out, int outOff) {
        for (int h = 0; h < heads; h++) {
            int o = outOff + h * headDim;
            int row = pBase + h * rowLen - from;
            int j = 0;
            for (; j + 4 * L <= headDim; j += 4 * L) {
                FloatVector a0 = FloatVector.fromArray(F, out, o + j);
                FloatVector a1 = FloatVector.fromArray(F, out, o + j + L);
                FloatVector a2 = FloatVector.fromArray(F, out, o + j + 2 * L);
                FloatVector a3 = FloatVector.fromArray(F, out, o + j + 3 * L);
                for (int i = from; i < to; i++) {
                    int v = allowed[i] * valueStride + valueBase + j;
                    FloatVector weight = FloatVector.broadcast(F, p[row + i]);
                    a0 = FloatVector.fromArray(F, values, v).fma(weight, a0);
                    a1 = FloatVector.fromArray(F, values, v + L).fma(weight, a1);
                    a2 = FloatVector.fromArray(F, values, v + 2 * L).fma(weight, a2);
                    a3 = FloatVector.fromArray(F, values, v + 3 * L).fma(weight, a3);
                }
                a0.intoArray(out, o + j);
                a1.intoArray(out, o + j + L);
                a2.intoArray(out, o + j + 2 * L);
                a3.intoArray(out, o + j + 3 * L);
            }
            for (; j + L <= headDim; j += L) {
                FloatVector acc = FloatVector.fromArray(F, out, o + j);
                for (int i = from; i < to; i++) {
                    acc = FloatVector.fromArray(F, values, allowed[i] * valueStride + valueBase + j)
                            .fma(FloatVector.broadcast(F, p[row + i]), acc);
                }
                acc.intoArray(out, o + j);
            }
            for (; j < headDim; j++) {
                float acc = out[o + j];
                for (int i = from; i < to; i++) {
                    acc = Math.fma(p[row + i], values[allowed[i] * valueStride + valueBase + j], acc);
                }
                out[o + j] = acc;
            }
        }
    }

    /**
     * x[off + i] = e^(x[off + i] - shift) for i &lt; n, with vectors (FastExp: the same bits in the
     * interpreter and the JIT); returns their sum, added in a fixed order.
     */
    private static double exps(float[] x, int off, int n, float shift) {
        FloatVector sum = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = FastExp.exp(FloatVector.fromArray(F, x, off + i).sub(shift));
            e.intoArray(x, off + i);
            sum = sum.add(e);
        }
        double total = Lanes.sum(sum);
        for (; i < n; i++) {
            x[off + i] = FastExp.scalar(x[off + i] - shift);
            total += x[off + i];
        }
        return total;
    }

    private static float rowMax(float[] x, int off, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector m = FloatVector.fromArray(F, x, off);
            for (i = L; i + L <= n; i += L) {
                m = m.max(FloatVector.fromArray(F, x, off + i));
            }
            max = m.reduceLanes(VectorOperators.MAX); // a maximum is the same in any order
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        return max;
    }

    private static void scale(float[] x, int off, int n, float factor) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(factor).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= factor;
        }
    }
}
