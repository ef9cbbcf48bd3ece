package org.llmexplorer.engine.train;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.simd.FloatTiles;

/**
 * A linear layer without bias over n tokens: y[t] = W x[t], W of out rows by in columns.
 * Backward: dx = dy W and dW += dy^T x. Each output element is computed by one task with a
 * fixed order of additions, so results do not depend on how threads share the work (checkpoints
 * resume bit for bit).
 */
public final class Linear {
    /** Tokens and rows of one forward task: the two blocks (64 x in floats each) stay in L2. */
    private static final int BLOCK = 64;
    /** Columns of one backward tile: four vectors. */
    private static final int COLS = 4 * L;

    private Linear() {
    }

    /** y[t * out + o] = row o of w . x[t * in ..], for t &lt; n. */
    public static void forward(Parallel p, float[] x, float[] w, float[] y, int n, int in, int out) {
        int tokenBlocks = (n + BLOCK - 1) / BLOCK;
        int rowBlocks = (out + BLOCK - 1) / BLOCK;
        int vectorPart = in - in % L;
        p.forEach(tokenBlocks * rowBlocks, (task, worker) -> {
            float[] scratch = new float[FloatTiles.SCRATCH];
            int t0 = task / rowBlocks * BLOCK;
            int t1 = Math.min(n, t0 + BLOCK);
            int o0 = task % rowBlocks * BLOCK;
            int o1 = Math.min(out, o0 + BLOCK);
            for (int t = t0; t < t1; t++) {
                java.util.Arrays.fill(y, t * out + o0, t * out + o1, 0f);
            }
            int o = o0;
            for (; o + 4 <= o1; o += 4) {
                int t = t0;
                for (; t + 4 <= t1 && vectorPart > 0; t += 4) {
                    FloatTiles.tile4x4(w, o * in, in, x, t * in, in, vectorPart, y, t * out + o, out, scratch);
                    for (int r = 0; r < 4; r++) {
                        for (int u = 0; u < 4; u++) {
                            y[(t + u) * out + o + r] += tail(w, (o + r) * in, x, (t + u) * in, vectorPart, in);
                        }
                    }
                }
                for (; t < t1; t++) {
                    for (int r = 0; r < 4; r++) {
                        y[t * out + o + r] = FloatTiles.dot(w, (o + r) * in, x, t * in, in);
                    }
                }
            }
            for (; o < o1; o++) {
                for (int t = t0; t < t1; t++) {
                    y[t * out + o] = FloatTiles.dot(w, o * in, x, t * in, in);
                }
            }
        });
    }

    private static float tail(float[] w, int wOff, float[] x, int xOff, int from, int to) {
        float s = 0;
        for (int i = from; i < to; i++) {
            s += w[wOff + i] * x[xOff + i];
        }
        return s;
    }

    /** dx = dy W (overwritten; skipped when dx is null) and dW += dy^T x. */
    public static void backward(Parallel p, float[] dy, float[] x, float[] w, float[] dx, float[] dw,
                                int n, int in, int out) {
        if (dx != null) {
            // dx[t, i] = sum over o of dy[t, o] w[o, i]: rows are tokens, the sum runs over outputs.
            products(p, dy, 0, 1, out, w, in, out, dx, in, n, false);
        }
        // dw[o, i] += sum over t of dy[t, o] x[t, i]: rows are outputs, the sum runs over tokens.
        products(p, dy, 0, out, 1, x, in, n, dw, in, out, true);
    }

    /**
     * c[r * in + i] (+)= sum over k &lt; count of a[k * ak + r * ar] * b[k * bk + i], for r &lt; rows
     * and i &lt; in: a sum of rows of b weighted by a, the form both backward products take.
     * Tasks are tiles of 4 rows by 4 vectors, taken column slab by column slab so that the slab
     * of b a thread streams stays in cache for the next tile.
     */
    private static void products(Parallel p, float[] a, int aOff, int ak, int ar, float[] b, int bk, int count,
                                 float[] c, int in, int rows, boolean add) {
        int rowTiles = (rows + 3) / 4;
        int colTiles = (in + COLS - 1) / COLS;
        p.forEach(rowTiles * colTiles, (task, worker) -> {
            int r0 = task % rowTiles * 4;
            int i0 = task / rowTiles * COLS;
            if (r0 + 4 <= rows && i0 + COLS <= in) {
                tile(a, aOff + r0 * ar, ak, ar, b, i0, bk, count, c, r0 * in + i0, in, add);
            } else {
                for (int r = r0; r < Math.min(rows, r0 + 4); r++) {
                    for (int i = i0; i < Math.min(in, i0 + COLS); i++) {
                        float s = 0;
                        for (int k = 0; k < count; k++) {
                            s += a[aOff + k * ak + r * ar] * b[k * bk + i];
                        }
                        c[r * in + i] = add ? c[r * in + i] + s : s;
                    }
                }
            }
        });
    }

    /** One 4 x 4-vector tile of {@link #products}, its sixteen accumulators in registers. */
    private static void tile(float[] a, int aOff, int ak, int ar, float[] b, int bOff, int bk, int count,
                             float[] c, int cOff, int cs, boolean add) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c02 = c00;
        FloatVector c03 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c12 = c00;
        FloatVector c13 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c22 = c00;
        FloatVector c23 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c32 = c00;
        FloatVector c33 = c00;
        for (int k = 0; k < count; k++) {
            int bi = bOff + k * bk;
            FloatVector b0 = FloatVector.fromArray(F, b, bi);
            FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(F, b, bi + 3 * L);
            int ai = aOff + k * ak;
            FloatVector a0 = FloatVector.broadcast(F, a[ai]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            c02 = b2.fma(a0, c02);
            c03 = b3.fma(a0, c03);
            FloatVector a1 = FloatVector.broadcast(F, a[ai + ar]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            c12 = b2.fma(a1, c12);
            c13 = b3.fma(a1, c13);
            FloatVector a2 = FloatVector.broadcast(F, a[ai + 2 * ar]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            c22 = b2.fma(a2, c22);
            c23 = b3.fma(a2, c23);
            FloatVector a3 = FloatVector.broadcast(F, a[ai + 3 * ar]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            c32 = b2.fma(a3, c32);
            c33 = b3.fma(a3, c33);
        }
        store(c, cOff, add, c00, c01, c02, c03);
        store(c, cOff + cs, add, c10, c11, c12, c13);
        store(c, cOff + 2 * cs, add, c20, c21, c22, c23);
        store(c, cOff + 3 * cs, add, c30, c31, c32, c33);
    }

    private static void store(float[] c, int off, boolean add, FloatVector v0, FloatVector v1, FloatVector v2,
                              FloatVector v3) {
        if (add) {
            v0 = v0.add(FloatVector.fromArray(F, c, off));
            v1 = v1.add(FloatVector.fromArray(F, c, off + L));
            v2 = v2.add(FloatVector.fromArray(F, c, off + 2 * L));
            v3 = v3.add(FloatVector.fromArray(F, c, off + 3 * L));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
        v2.intoArray(c, off + 2 * L);
        v3.intoArray(c, off + 3 * L);
    }
}
