package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.FastExp;
import org.llmexplorer.engine.compute.HalfHead;
import org.llmexplorer.engine.compute.KeyBlocks;
import org.llmexplorer.engine.compute.Q8_0Head;

/**
 * Attention of one query for the query heads of a group that share keys, values and mask,
 * computed as FlashAttention does: keys are visited in tiles, with a running maximum and
 * normaliser per head, and the output accumulated so far rescaled whenever the maximum grows,
 * so no row of scores is ever held whole. Within a tile the scores of a run of consecutive keys
 * are vectors over keys (keys are stored dimension-major), and up to four heads share every
 * key loaded; then the tile's values are added up, vectors over the head's dimensions, four
 * heads sharing every value loaded. Keys a mask scatters (random, BigBird) are scored one at a
 * time. With the weights kept (a recorder watches, or they are rounded to half precision
 * first), the whole row is scored first and soft-maxed, then summed.
 */
final class AttentionKernel {
    /**
     * Keys per tile. A tile's keys and values (256 KB each at 64 dimensions) stay in the
     * second-level cache, and one query reads a long run of keys, then of values: two long
     * streams the prefetchers follow. Tiles of 64 keys alternated the two streams every 16 KB and
     * read a head from memory at half the speed (at 4096 positions on one thread, 28 ms against
     * 15 for 16 layers of 8 heads).
     */
    static final int TILE = 1024;

    /**
     * Whether a float cache is staged a window at a time ({@link #stagedScores}) by default: with
     * fewer than 16 float lanes. On an AVX2 machine (Zen 3) the copy streamed from memory faster
     * than the kernel's own loads, which wait between its arithmetic (attention at depth 4096, two
     * threads: 31 ms a token in place, 21 staged). With 16 lanes each run of keys and each value
     * reads whole cache lines in order, and on an Intel Xeon (AVX-512) reading in place was the
     * faster: 15.4-15.5 ms against 20.1-21.1 staged (docs/PERFORMANCE.md, item 27).
     */
    static final boolean STAGE_FLOATS = L < 16;

    private AttentionKernel() {
    }

    /** Each head's running maximum and normaliser, per thread, so that attention allocates nothing. */
    private static final class Running {
        float[] max = new float[8];
        double[] norm = new double[8];
    }

    private static final ThreadLocal<Running> RUNNING = ThreadLocal.withInitial(Running::new);

    /**
     * Keys and values from float arrays, or, where {@code q8} is not null, from a Q8_0 cache's
     * codes in place ({@link Q8_0AttentionKernel}; the float arrays are then unused).
     */
    static void attend(Compute ops, float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                       float[] values, int valueBase, int valueStride, Q8_0Head q8, int[] allowed, int n, float scale,
                       float softcap, float[] out, int outOff, float[] scores, boolean keepWeights,
                       boolean halfWeights, boolean stageFloats) {
        java.util.Arrays.fill(out, outOff, outOff + heads * headDim, 0f);
        if (n == 0) {
            return;
        }
        // Where stageFloats is set (by default STAGE_FLOATS), float keys and values are copied a
        // window at a time into this thread's buffers, which the kernel then reads from cache; the
        // Q8_0 codes are read where they lie, and so are the keys of a mask that leaves most
        // positions out (strided, dilated, random), whose windows would copy mostly positions it
        // does not read.
        boolean staged = stageFloats && q8 == null && valueStride == headDim && allowed[n - 1] - allowed[0] < 2 * n;
        Stage keyStage = staged ? (from, into, count) -> System.arraycopy(keys, keyBase + from, into, 0, count) : null;
        Stage valueStage = staged ? (from, into, count) -> System.arraycopy(values, valueBase + from, into, 0, count)
                : null;
        if (keepWeights) {
            scoreKeys(q, qOff, heads, headDim, keys, keyBase, keyStage, q8, allowed, 0, n, scale, scores);
            weights(ops, scores, heads, n, softcap, halfWeights);
            addValues(scores, heads, headDim, values, valueBase, valueStride, valueStage, q8, allowed, 0, n, out,
                    outOff);
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
            scoreKeys(q, qOff, heads, headDim, keys, keyBase, keyStage, q8, allowed, t0, t1, scale, scores);
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
            addValues(scores, heads, headDim, values, valueBase, valueStride, valueStage, q8, allowed, t0, t1, out,
                    outOff);
        }
        for (int h = 0; h < heads; h++) {
            scale(out, outOff + h * headDim, headDim, (float) (1.0 / norm[h]));
        }
    }

    /**
     * scores[h * (to - from) + (i - from)] = scale * q[h] . key(allowed[i]) for i in [from, to): from
     * the staged windows where keyStage is set, else from the float keys where they lie, or from
     * the Q8_0 codes where q8 is set.
     */
    private static void scoreKeys(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                                  Stage keyStage, Q8_0Head q8, int[] allowed, int from, int to, float scale,
                                  float[] scores) {
        int rowLen = to - from;
        if (keyStage != null) {
            stagedScores(q, qOff, heads, headDim, keyStage, allowed, from, to, scale, scores, 0, rowLen);
        } else if (q8 == null) {
            scores(q, qOff, heads, headDim, keys, keyBase, allowed, from, to, scale, scores, 0, rowLen);
        } else {
            Q8_0AttentionKernel.scores(q, qOff, heads, headDim, q8, allowed, from, to, scale, scores, 0, rowLen);
        }
    }

    /**
     * out[h] += the weights p (rows of to - from) times the values of allowed[from .. to), taken
     * from where {@link #scoreKeys} takes the keys.
     */
    private static void addValues(float[] p, int heads, int headDim, float[] values, int valueBase, int valueStride,
                                  Stage valueStage, Q8_0Head q8, int[] allowed, int from, int to, float[] out,
                                  int outOff) {
        int rowLen = to - from;
        if (valueStage != null) {
            stagedAccumulate(p, 0, rowLen, heads, headDim, valueStage, allowed, from, to, out, outOff);
        } else {
            accumulate(p, 0, rowLen, heads, headDim, values, valueBase, valueStride, q8, allowed, from, to, out,
                    outOff);
        }
    }

    /** Each head's row of n scores (h * n) soft-capped, soft-maxed, and rounded to halves where asked. */
    private static void weights(Compute ops, float[] scores, int heads, int n, float softcap, boolean halfWeights) {
        for (int h = 0; h < heads; h++) {
            if (softcap > 0) {
                ops.softcap(scores, h * n, n, softcap);
            }
            float max = rowMax(scores, h * n, n); // a softmax with the tiles' own exponentials
            scale(scores, h * n, n, (float) (1.0 / exps(scores, h * n, n, max)));
            if (halfWeights) {
                Compute.roundToHalf(scores, h * n, n);
            }
        }
    }

    /**
     * Positions staged at a time: their keys and values as floats (64 KB each at 64 dimensions)
     * stay in the nearest caches while the kernel reads them. A whole head staged at once (a
     * megabyte each at 4096 positions) went out to memory and back.
     */
    static final int WINDOW = 256;

    /** Per thread, a window's keys and values as floats. */
    private static final ThreadLocal<float[][]> WINDOWS = ThreadLocal.withInitial(() -> new float[][] {{}, {}});

    /** Puts count floats of a head's keys or values, from element {@code from} on, at into[0 ..]. */
    @FunctionalInterface
    interface Stage {
        void into(int from, float[] into, int count);
    }

    private static float[][] windows(int headDim) {
        float[][] w = WINDOWS.get();
        int room = (WINDOW + KeyBlocks.BLOCK) * headDim;
        if (w[0].length < room) {
            w[0] = new float[room];
            w[1] = new float[room];
        }
        return w;
    }

    /**
     * As {@link #scores} over keys staged a window of positions at a time (whole key blocks from
     * the block of the window's first key): the same products, so the same bits.
     */
    private static void stagedScores(float[] q, int qOff, int heads, int headDim, Stage keys, int[] allowed, int from,
                                     int to, float scale, float[] out, int outBase, int rowLen) {
        float[] window = windows(headDim)[0];
        for (int i = from; i < to; ) {
            int firstBlock = allowed[i] / KeyBlocks.BLOCK;
            int end = windowEnd(allowed, i, to, firstBlock * KeyBlocks.BLOCK + WINDOW);
            int start = firstBlock * KeyBlocks.BLOCK * headDim;
            keys.into(start, window, (allowed[end - 1] / KeyBlocks.BLOCK - firstBlock + 1) * KeyBlocks.BLOCK * headDim);
            scores(q, qOff, heads, headDim, window, -start, allowed, i, end, scale, out, outBase + i - from, rowLen);
            i = end;
        }
    }

    /**
     * As {@link #accumulate} over values (headDim apart) staged a window of positions at a time,
     * from the window's first key to its last: each output's multiply-adds in the same order, so
     * the same bits.
     */
    private static void stagedAccumulate(float[] p, int pBase, int rowLen, int heads, int headDim, Stage values,
                                         int[] allowed, int from, int to, float[] out, int outOff) {
        float[] window = windows(headDim)[1];
        for (int i = from; i < to; ) {
            int first = allowed[i];
            int end = windowEnd(allowed, i, to, first + WINDOW);
            values.into(first * headDim, window, (allowed[end - 1] - first + 1) * headDim);
            accumulate(p, pBase + i - from, rowLen, heads, headDim, window, -first * headDim, headDim, null, allowed, i,
                    end, out, outOff);
            i = end;
        }
    }

    /** The first index from i on (before to) whose key lies at or past limit (allowed keys ascend). */
    private static int windowEnd(int[] allowed, int i, int to, int limit) {
        int end = i + 1;
        while (end < to && allowed[end] < limit) {
            end++;
        }
        return end;
    }

    /**
     * As {@link #attend} with the weights kept and rounded to halves, over a half-precision
     * cache's head read where it lies: staged a window at a time, widened to floats as it is
     * copied (a plain loop, which C2 compiles to F16C's conversion: 0.07 ns a value, against
     * 0.21 for the conversion rebuilt from integer vector operations). The same arithmetic in the
     * same order as on the head widened whole, so the same bits.
     */
    static void attendHalfCache(Compute ops, float[] q, int qOff, int heads, HalfHead kv, int[] allowed, int n,
                                float scale, float softcap, float[] out, int outOff, float[] scores) {
        int headDim = kv.headDim();
        java.util.Arrays.fill(out, outOff, outOff + heads * headDim, 0f);
        if (n == 0) {
            return;
        }
        stagedScores(q, qOff, heads, headDim, (from, into, count) -> HalfHead.widen(kv.keys(), kv.keyBase() + from,
                into, 0, count), allowed, 0, n, scale, scores, 0, n);
        weights(ops, scores, heads, n, softcap, true);
        stagedAccumulate(scores, 0, n, heads, headDim, (from, into, count) -> HalfHead.widen(kv.values(),
                kv.valueBase() + from, into, 0, count), allowed, 0, n, out, outOff);
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
     * out[h] += sum over i in [from, to) of p[pBase + h * rowLen + (i - from)] * value(allowed[i]),
     * the values from the float array or, where q8 is not null, from a Q8_0 cache's codes
     * ({@link Q8_0AttentionKernel}). Four heads at a time share every value vector loaded, over a
     * stretch of dimensions as wide as the registers allow (four vectors with 32 registers, two
     * with 16); the heads left over, and dimensions short of a stretch, go one head at a time.
     */
    static void accumulate(float[] p, int pBase, int rowLen, int heads, int headDim, float[] values, int valueBase,
                           int valueStride, Q8_0Head q8, int[] allowed, int from, int to, float[] out, int outOff) {
        int h = 0;
        int stretch = (L >= 16 ? 4 : 2) * L;
        int wide = headDim - headDim % stretch;
        for (; h + 4 <= heads && wide > 0; h += 4) {
            for (int j = 0; j < wide; j += stretch) {
                int row = pBase + h * rowLen - from;
                int o = outOff + h * headDim + j;
                if (q8 != null && stretch == 4 * L) {
                    Q8_0AttentionKernel.fourHeadsFourVectors(p, row, rowLen, q8, j, allowed, from, to, out, o, headDim);
                } else if (q8 != null) {
                    Q8_0AttentionKernel.fourHeadsTwoVectors(p, row, rowLen, q8, j, allowed, from, to, out, o, headDim);
                } else if (stretch == 4 * L) {
                    fourHeadsFourVectors(p, row, rowLen, values, valueBase + j, valueStride, allowed, from, to, out, o,
                            headDim);
                } else {
                    fourHeadsTwoVectors(p, row, rowLen, values, valueBase + j, valueStride, allowed, from, to, out, o,
                            headDim);
                }
            }
            for (int g = h; g < h + 4; g++) {
                oneHead(p, pBase + g * rowLen - from, wide, headDim, values, valueBase, valueStride, q8, allowed, from,
                        to, out, outOff + g * headDim);
            }
        }
        for (; h < heads; h++) {
            oneHead(p, pBase + h * rowLen - from, 0, headDim, values, valueBase, valueStride, q8, allowed, from, to,
                    out, outOff + h * headDim);
        }
    }

    /** One head's dimensions [j, headDim), from floats or a Q8_0 cache. */
    private static void oneHead(float[] p, int row, int j, int headDim, float[] values, int valueBase,
                                int valueStride, Q8_0Head q8, int[] allowed, int from, int to, float[] out, int o) {
        if (q8 != null) {
            Q8_0AttentionKernel.oneHead(p, row, j, headDim, q8, allowed, from, to, out, o);
        } else {
            oneHead(p, row, j, headDim, values, valueBase, valueStride, allowed, from, to, out, o);
        }
    }

    /**
     * Dimensions [0, 4L) from valueBase of four heads whose weights are rowLen apart from
     * p[row + i], outputs headDim apart from out[o]: sixteen accumulators.
     */
    private static void fourHeadsFourVectors(float[] p, int row, int rowLen, float[] values, int valueBase,
                                             int valueStride, int[] allowed, int from, int to, float[] out, int o,
                                             int headDim) {
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
            int v = allowed[i] * valueStride + valueBase;
            FloatVector v0 = FloatVector.fromArray(F, values, v);
            FloatVector v1 = FloatVector.fromArray(F, values, v + L);
            FloatVector v2 = FloatVector.fromArray(F, values, v + 2 * L);
            FloatVector v3 = FloatVector.fromArray(F, values, v + 3 * L);
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

    /** As {@link #fourHeadsFourVectors} for dimensions [0, 2L): eight accumulators, for 16 registers. */
    private static void fourHeadsTwoVectors(float[] p, int row, int rowLen, float[] values, int valueBase,
                                            int valueStride, int[] allowed, int from, int to, float[] out, int o,
                                            int headDim) {
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
            int v = allowed[i] * valueStride + valueBase;
            FloatVector v0 = FloatVector.fromArray(F, values, v);
            FloatVector v1 = FloatVector.fromArray(F, values, v + L);
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
     * Dimensions [j, headDim) of one head whose weights are p[row + i]: four vectors at a time,
     * each with its own accumulator (one accumulator over all keys would wait for its previous
     * multiply-add at every key).
     */
    private static void oneHead(float[] p, int row, int j, int headDim, float[] values, int valueBase,
                                int valueStride, int[] allowed, int from, int to, float[] out, int o) {
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
