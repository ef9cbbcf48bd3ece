package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.BL;
import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.llmexplorer.engine.compute.KeyBlocks;
import org.llmexplorer.engine.compute.Q8_0Head;

/**
 * {@link AttentionKernel}'s scores and sums read straight from a Q8_0 cache's codes
 * ({@link Q8_0Head}): a vector of codes widens to floats as it is loaded, and the scales are
 * applied once per block of 32 dimensions, so the cache is read at a quarter of a float cache's
 * bytes and never copied. Scores: per run of positions and block of dimensions, the plain dot
 * products of the codes with the (Q8_0-rounded) queries, then times the run's scales, a vector
 * of them. Sums: each value vector is its codes times its block's scale (exact, as ggml decodes
 * a row before it adds it), then weighed as float values are. The tiles, the running softmax
 * and the choice of kernel stay in {@link AttentionKernel}.
 */
final class Q8_0AttentionKernel {
    private static final int BLOCK = Q8_0Head.BLOCK;

    private Q8_0AttentionKernel() {
    }

    /** As {@link AttentionKernel#scores} for the keys of a Q8_0 head. */
    static void scores(float[] q, int qOff, int heads, int headDim, Q8_0Head kv, int[] allowed, int from, int to,
                       float scale, float[] out, int outBase, int rowLen) {
        final int stride = KeyBlocks.BLOCK; // from one dimension (or block of dimensions) to the next within a block
        final int blocks = headDim / BLOCK;
        byte[] codes = kv.keyCodes();
        float[] scales = kv.keyScales();
        int i = from;
        while (i < to) {
            int key = allowed[i];
            int at = outBase + i - from;
            int kb = kv.keyBase() + KeyBlocks.index(key, 0, headDim);
            int sb = kv.keyScaleBase() + KeyBlocks.index(key, 0, blocks);
            if (key % L == 0 && i + L <= to && allowed[i + L - 1] == key + L - 1) { // a run of L in one block
                int h = 0;
                for (; h + 4 <= heads; h += 4) {
                    int q0 = qOff + h * headDim;
                    FloatVector a0 = FloatVector.zero(F);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    for (int c = 0; c < blocks; c++) {
                        FloatVector b0 = FloatVector.zero(F);
                        FloatVector b1 = b0;
                        FloatVector b2 = b0;
                        FloatVector b3 = b0;
                        for (int d = c * BLOCK; d < (c + 1) * BLOCK; d++) {
                            FloatVector k = (FloatVector) ByteVector.fromArray(BL, codes, kb + d * stride)
                                    .convertShape(VectorOperators.B2F, F, 0);
                            b0 = k.fma(FloatVector.broadcast(F, q[q0 + d]), b0);
                            b1 = k.fma(FloatVector.broadcast(F, q[q0 + headDim + d]), b1);
                            b2 = k.fma(FloatVector.broadcast(F, q[q0 + 2 * headDim + d]), b2);
                            b3 = k.fma(FloatVector.broadcast(F, q[q0 + 3 * headDim + d]), b3);
                        }
                        FloatVector s = FloatVector.fromArray(F, scales, sb + c * stride);
                        a0 = b0.fma(s, a0);
                        a1 = b1.fma(s, a1);
                        a2 = b2.fma(s, a2);
                        a3 = b3.fma(s, a3);
                    }
                    a0.mul(scale).intoArray(out, at + h * rowLen);
                    a1.mul(scale).intoArray(out, at + (h + 1) * rowLen);
                    a2.mul(scale).intoArray(out, at + (h + 2) * rowLen);
                    a3.mul(scale).intoArray(out, at + (h + 3) * rowLen);
                }
                for (; h < heads; h++) {
                    int q0 = qOff + h * headDim;
                    FloatVector a = FloatVector.zero(F);
                    for (int c = 0; c < blocks; c++) {
                        FloatVector b = FloatVector.zero(F);
                        for (int d = c * BLOCK; d < (c + 1) * BLOCK; d++) {
                            b = ((FloatVector) ByteVector.fromArray(BL, codes, kb + d * stride)
                                    .convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.broadcast(F, q[q0 + d]), b);
                        }
                        a = b.fma(FloatVector.fromArray(F, scales, sb + c * stride), a);
                    }
                    a.mul(scale).intoArray(out, at + h * rowLen);
                }
                i += L;
            } else { // a key on its own
                for (int h = 0; h < heads; h++) {
                    int q0 = qOff + h * headDim;
                    float s = 0f;
                    for (int c = 0; c < blocks; c++) {
                        float b = 0f;
                        for (int d = c * BLOCK; d < (c + 1) * BLOCK; d++) {
                            b = Math.fma(q[q0 + d], codes[kb + d * stride], b);
                        }
                        s = Math.fma(b, scales[sb + c * stride], s);
                    }
                    out[at + h * rowLen] = s * scale;
                }
                i++;
            }
        }
    }

    /** Dimensions [j, j + 4L) of four heads: each value vector decoded once, weighed for four heads. */
    static void fourHeadsFourVectors(float[] p, int row, int rowLen, Q8_0Head kv, int j, int[] allowed,
                                             int from, int to, float[] out, int o, int headDim) {
        byte[] codes = kv.valueCodes();
        float[] scales = kv.valueScales();
        int blocks = headDim / BLOCK;
        int s0 = kv.valueScaleBase() + j / BLOCK; // each vector's block of dimensions
        int s1 = kv.valueScaleBase() + (j + L) / BLOCK;
        int s2 = kv.valueScaleBase() + (j + 2 * L) / BLOCK;
        int s3 = kv.valueScaleBase() + (j + 3 * L) / BLOCK;
        int o1 = o + headDim;
        int o2 = o1 + headDim;
        int o3 = o2 + headDim;
        FloatVector a00 = FloatVector.fromArray(F, out, o);
        FloatVector a01 = FloatVector.fromArray(F, out, o + L);
        FloatVector a02 = FloatVector.fromArray(F, out, o + 2 * L);
        FloatVector a03 = FloatVector.fromArray(F, out, o + 3 * L);
        FloatVector a10 = FloatVector.fromArray(F, out, o1);
        FloatVector a11 = FloatVector.fromArray(F, out, o1 + L);
        FloatVector a12 = FloatVector.fromArray(F, out, o1 + 2 * L);
        FloatVector a13 = FloatVector.fromArray(F, out, o1 + 3 * L);
        FloatVector a20 = FloatVector.fromArray(F, out, o2);
        FloatVector a21 = FloatVector.fromArray(F, out, o2 + L);
        FloatVector a22 = FloatVector.fromArray(F, out, o2 + 2 * L);
        FloatVector a23 = FloatVector.fromArray(F, out, o2 + 3 * L);
        FloatVector a30 = FloatVector.fromArray(F, out, o3);
        FloatVector a31 = FloatVector.fromArray(F, out, o3 + L);
        FloatVector a32 = FloatVector.fromArray(F, out, o3 + 2 * L);
        FloatVector a33 = FloatVector.fromArray(F, out, o3 + 3 * L);
        int r1 = row + rowLen;
        int r2 = r1 + rowLen;
        int r3 = r2 + rowLen;
        for (int i = from; i < to; i++) {
            int key = allowed[i];
            int v = kv.valueBase() + key * headDim + j;
            int s = key * blocks;
            FloatVector v0 = ((FloatVector) ByteVector.fromArray(BL, codes, v).convertShape(VectorOperators.B2F, F, 0))
                    .mul(scales[s0 + s]);
            FloatVector v1 = ((FloatVector) ByteVector.fromArray(BL, codes, v + L)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(scales[s1 + s]);
            FloatVector v2 = ((FloatVector) ByteVector.fromArray(BL, codes, v + 2 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(scales[s2 + s]);
            FloatVector v3 = ((FloatVector) ByteVector.fromArray(BL, codes, v + 3 * L)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(scales[s3 + s]);
            FloatVector w = FloatVector.broadcast(F, p[row + i]);
            a00 = v0.fma(w, a00);
            a01 = v1.fma(w, a01);
            a02 = v2.fma(w, a02);
            a03 = v3.fma(w, a03);
            w = FloatVector.broadcast(F, p[r1 + i]);
            a10 = v0.fma(w, a10);
            a11 = v1.fma(w, a11);
            a12 = v2.fma(w, a12);
            a13 = v3.fma(w, a13);
            w = FloatVector.broadcast(F, p[r2 + i]);
            a20 = v0.fma(w, a20);
            a21 = v1.fma(w, a21);
            a22 = v2.fma(w, a22);
            a23 = v3.fma(w, a23);
            w = FloatVector.broadcast(F, p[r3 + i]);
            a30 = v0.fma(w, a30);
            a31 = v1.fma(w, a31);
            a32 = v2.fma(w, a32);
            a33 = v3.fma(w, a33);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + L);
        a02.intoArray(out, o + 2 * L);
        a03.intoArray(out, o + 3 * L);
        a10.intoArray(out, o1);
        a11.intoArray(out, o1 + L);
        a12.intoArray(out, o1 + 2 * L);
        a13.intoArray(out, o1 + 3 * L);
        a20.intoArray(out, o2);
        a21.intoArray(out, o2 + L);
        a22.intoArray(out, o2 + 2 * L);
        a23.intoArray(out, o2 + 3 * L);
        a30.intoArray(out, o3);
        a31.intoArray(out, o3 + L);
        a32.intoArray(out, o3 + 2 * L);
        a33.intoArray(out, o3 + 3 * L);
    }

    /** As {@link #fourHeadsFourVectors} for dimensions [j, j + 2L): eight accumulators, for 16 registers. */
    static void fourHeadsTwoVectors(float[] p, int row, int rowLen, Q8_0Head kv, int j, int[] allowed,
                                            int from, int to, float[] out, int o, int headDim) {
        byte[] codes = kv.valueCodes();
        float[] scales = kv.valueScales();
        int blocks = headDim / BLOCK;
        int s0 = kv.valueScaleBase() + j / BLOCK;
        int s1 = kv.valueScaleBase() + (j + L) / BLOCK;
        int r1 = row + rowLen;
        int r2 = r1 + rowLen;
        int r3 = r2 + rowLen;
        FloatVector a00 = FloatVector.fromArray(F, out, o);
        FloatVector a01 = FloatVector.fromArray(F, out, o + L);
        FloatVector a10 = FloatVector.fromArray(F, out, o + headDim);
        FloatVector a11 = FloatVector.fromArray(F, out, o + headDim + L);
        FloatVector a20 = FloatVector.fromArray(F, out, o + 2 * headDim);
        FloatVector a21 = FloatVector.fromArray(F, out, o + 2 * headDim + L);
        FloatVector a30 = FloatVector.fromArray(F, out, o + 3 * headDim);
        FloatVector a31 = FloatVector.fromArray(F, out, o + 3 * headDim + L);
        for (int i = from; i < to; i++) {
            int key = allowed[i];
            int v = kv.valueBase() + key * headDim + j;
            int s = key * blocks;
            FloatVector v0 = ((FloatVector) ByteVector.fromArray(BL, codes, v).convertShape(VectorOperators.B2F, F, 0))
                    .mul(scales[s0 + s]);
            FloatVector v1 = ((FloatVector) ByteVector.fromArray(BL, codes, v + L)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(scales[s1 + s]);
            FloatVector w = FloatVector.broadcast(F, p[row + i]);
            a00 = v0.fma(w, a00);
            a01 = v1.fma(w, a01);
            w = FloatVector.broadcast(F, p[r1 + i]);
            a10 = v0.fma(w, a10);
            a11 = v1.fma(w, a11);
            w = FloatVector.broadcast(F, p[r2 + i]);
            a20 = v0.fma(w, a20);
            a21 = v1.fma(w, a21);
            w = FloatVector.broadcast(F, p[r3 + i]);
            a30 = v0.fma(w, a30);
            a31 = v1.fma(w, a31);
        }
        a00.intoArray(out, o);
        a01.intoArray(out, o + L);
        a10.intoArray(out, o + headDim);
        a11.intoArray(out, o + headDim + L);
        a20.intoArray(out, o + 2 * headDim);
        a21.intoArray(out, o + 2 * headDim + L);
        a30.intoArray(out, o + 3 * headDim);
        a31.intoArray(out, o + 3 * headDim + L);
    }

    /**
     * Dimensions [j, headDim) of one head: four vectors at a time, each with its own accumulator,
     * then one (L divides 32, so a vector lies in one block of dimensions).
     */
    static void oneHead(float[] p, int row, int j, int headDim, Q8_0Head kv, int[] allowed, int from, int to,
                                float[] out, int o) {
        byte[] codes = kv.valueCodes();
        float[] scales = kv.valueScales();
        int blocks = headDim / BLOCK;
        for (; j + 4 * L <= headDim; j += 4 * L) {
            int s0 = kv.valueScaleBase() + j / BLOCK;
            int s1 = kv.valueScaleBase() + (j + L) / BLOCK;
            int s2 = kv.valueScaleBase() + (j + 2 * L) / BLOCK;
            int s3 = kv.valueScaleBase() + (j + 3 * L) / BLOCK;
            FloatVector a0 = FloatVector.fromArray(F, out, o + j);
            FloatVector a1 = FloatVector.fromArray(F, out, o + j + L);
            FloatVector a2 = FloatVector.fromArray(F, out, o + j + 2 * L);
            FloatVector a3 = FloatVector.fromArray(F, out, o + j + 3 * L);
            for (int i = from; i < to; i++) {
                int key = allowed[i];
                int v = kv.valueBase() + key * headDim + j;
                int s = key * blocks;
                FloatVector w = FloatVector.broadcast(F, p[row + i]);
                a0 = ((FloatVector) ByteVector.fromArray(BL, codes, v).convertShape(VectorOperators.B2F, F, 0))
                        .mul(scales[s0 + s]).fma(w, a0);
                a1 = ((FloatVector) ByteVector.fromArray(BL, codes, v + L).convertShape(VectorOperators.B2F, F, 0))
                        .mul(scales[s1 + s]).fma(w, a1);
                a2 = ((FloatVector) ByteVector.fromArray(BL, codes, v + 2 * L).convertShape(VectorOperators.B2F, F, 0))
                        .mul(scales[s2 + s]).fma(w, a2);
                a3 = ((FloatVector) ByteVector.fromArray(BL, codes, v + 3 * L).convertShape(VectorOperators.B2F, F, 0))
                        .mul(scales[s3 + s]).fma(w, a3);
            }
            a0.intoArray(out, o + j);
            a1.intoArray(out, o + j + L);
            a2.intoArray(out, o + j + 2 * L);
            a3.intoArray(out, o + j + 3 * L);
        }
        for (; j < headDim; j += L) {
            FloatVector acc = FloatVector.fromArray(F, out, o + j);
            int sj = kv.valueScaleBase() + j / BLOCK;
            for (int i = from; i < to; i++) {
                int key = allowed[i];
                FloatVector v = ((FloatVector) ByteVector.fromArray(BL, codes, kv.valueBase() + key * headDim + j)
                        .convertShape(VectorOperators.B2F, F, 0)).mul(scales[sj + key * blocks]);
                acc = v.fma(FloatVector.broadcast(F, p[row + i]), acc);
            }
            acc.intoArray(out, o + j);
        }
    }
}
