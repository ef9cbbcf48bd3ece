package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;

/**
 * Products of rows of float weights with several tokens' activations, the inner loops of prompt
 * processing. On 16-lane machines ({@link #BROADCAST_TILE}) a prompt's whole groups of
 * {@link #GROUP} tokens go through {@link #tile8xGroup}:
 * eight rows by two vectors of tokens, each weight broadcast once for all of them, the tokens of
 * a column side by side; its sixteen accumulators are finished sums, so no lane sums are paid
 * (about two thirds of the FMA units' peak on one core). The rest go through the 4 x 4 tile,
 * sixteen accumulators over columns, each summed across lanes at the end (about 60%; one row with
 * four tokens reaches half that: it is limited by loads).
 *
 * <p>All methods add into {@code out}: out[o + t * os + r] += w row r . x token t.
 */
public final class FloatTiles {
    private FloatTiles() {
    }

    /** Floats of scratch space {@link #tile4x4} needs. */
    public static final int SCRATCH = 16 * L;

    /**
     * Rows r &lt; 4 at w[wOff + r * ws ..], tokens t &lt; 4 at x[xOff + t * xs ..], n values each
     * (a multiple of the lane count). The accumulators go through {@code scratch} to be summed
     * in a separate small loop: sixteen inlined lane sums make the method too large for the JIT
     * to keep the vectors in registers.
     */
    public static void tile4x4(float[] w, int wOff, int ws, float[] x, int xOff, int xs, int n, float[] out, int o, int os,
                        float[] scratch) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector c2 = a0;
        FloatVector c3 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        FloatVector d2 = a0;
        FloatVector d3 = a0;
        for (int i = 0; i < n; i += L) {
            int j = xOff + i;
            FloatVector x0 = FloatVector.fromArray(F, x, j);
            FloatVector x1 = FloatVector.fromArray(F, x, j + xs);
            FloatVector x2 = FloatVector.fromArray(F, x, j + 2 * xs);
            FloatVector x3 = FloatVector.fromArray(F, x, j + 3 * xs);
            FloatVector w0 = FloatVector.fromArray(F, w, wOff + i);
            a0 = w0.fma(x0, a0);
            a1 = w0.fma(x1, a1);
            a2 = w0.fma(x2, a2);
            a3 = w0.fma(x3, a3);
            FloatVector w1 = FloatVector.fromArray(F, w, wOff + ws + i);
            b0 = w1.fma(x0, b0);
            b1 = w1.fma(x1, b1);
            b2 = w1.fma(x2, b2);
            b3 = w1.fma(x3, b3);
            FloatVector w2 = FloatVector.fromArray(F, w, wOff + 2 * ws + i);
            c0 = w2.fma(x0, c0);
            c1 = w2.fma(x1, c1);
            c2 = w2.fma(x2, c2);
            c3 = w2.fma(x3, c3);
            FloatVector w3 = FloatVector.fromArray(F, w, wOff + 3 * ws + i);
            d0 = w3.fma(x0, d0);
            d1 = w3.fma(x1, d1);
            d2 = w3.fma(x2, d2);
            d3 = w3.fma(x3, d3);
        }
        a0.intoArray(scratch, 0);
        a1.intoArray(scratch, L);
        a2.intoArray(scratch, 2 * L);
        a3.intoArray(scratch, 3 * L);
        b0.intoArray(scratch, 4 * L);
        b1.intoArray(scratch, 5 * L);
        b2.intoArray(scratch, 6 * L);
        b3.intoArray(scratch, 7 * L);
        c0.intoArray(scratch, 8 * L);
        c1.intoArray(scratch, 9 * L);
        c2.intoArray(scratch, 10 * L);
        c3.intoArray(scratch, 11 * L);
        d0.intoArray(scratch, 12 * L);
        d1.intoArray(scratch, 13 * L);
        d2.intoArray(scratch, 14 * L);
        d3.intoArray(scratch, 15 * L);
        addSums(scratch, out, o, os);
    }

    /** out[o + t * os + r] += the lane sum of accumulator r * 4 + t. */
    private static void addSums(float[] scratch, float[] out, int o, int os) {
        for (int r = 0; r < 4; r++) {
            for (int t = 0; t < 4; t++) {
                out[o + t * os + r] += Lanes.sum(FloatVector.fromArray(F, scratch, (r * 4 + t) * L));
            }
        }
    }

    /** Tokens {@link #tile8xGroup} takes at once: two vectors of them. */
    public static final int GROUP = 2 * L;

    /**
     * Whether {@link #tile8xGroup} is used: its 16 accumulators, two token vectors and a broadcast
     * need 19 registers, which AVX-512 has (32) and AVX2 does not (16, so it would spill); measured
     * only with 16 lanes.
     */
    public static final boolean BROADCAST_TILE = L >= 16;

    /**
     * The batch's whole groups of {@link #GROUP} tokens with each column's tokens next to each
     * other: into[(g * cols + k) * GROUP + j] = x[(g * GROUP + j) * cols + k]. Returns into, or a
     * new array when into is too small.
     */
    public static float[] transposeGroups(float[] x, int batch, int cols, float[] into) {
        int groups = batch / GROUP;
        float[] t = into != null && into.length >= groups * cols * GROUP ? into : new float[groups * cols * GROUP];
        for (int g = 0; g < groups; g++) {
            for (int j = 0; j < GROUP; j++) {
                int from = (g * GROUP + j) * cols;
                int to = g * cols * GROUP + j;
                for (int k = 0; k < cols; k++) {
                    t[to + k * GROUP] = x[from + k];
                }
            }
        }
        return t;
    }

    /**
     * Rows r &lt; 8 at w[wOff + r * ws ..] with one group of {@link #GROUP} tokens laid out by
     * {@link #transposeGroups} from xT[xtOff ..], n values: out[o + t * os + r] += row r . token t.
     * Each weight is broadcast and multiplied with two vectors of tokens, so the sixteen
     * accumulators hold finished sums (no lane sums, unlike {@link #tile4x4}) and each weight
     * is read once for {@link #GROUP} tokens.
     */
    public static void tile8xGroup(float[] w, int wOff, int ws, float[] xT, int xtOff, int n, float[] out, int o,
                                   int os, float[] scratch) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        FloatVector e0 = a0;
        FloatVector e1 = a0;
        FloatVector f0 = a0;
        FloatVector f1 = a0;
        FloatVector g0 = a0;
        FloatVector g1 = a0;
        FloatVector h0 = a0;
        FloatVector h1 = a0;
        for (int k = 0; k < n; k++) {
            int j = xtOff + k * GROUP;
            FloatVector x0 = FloatVector.fromArray(F, xT, j);
            FloatVector x1 = FloatVector.fromArray(F, xT, j + L);
            int i = wOff + k;
            FloatVector v = FloatVector.broadcast(F, w[i]);
            a0 = v.fma(x0, a0);
            a1 = v.fma(x1, a1);
            v = FloatVector.broadcast(F, w[i + ws]);
            b0 = v.fma(x0, b0);
            b1 = v.fma(x1, b1);
            v = FloatVector.broadcast(F, w[i + 2 * ws]);
            c0 = v.fma(x0, c0);
            c1 = v.fma(x1, c1);
            v = FloatVector.broadcast(F, w[i + 3 * ws]);
            d0 = v.fma(x0, d0);
            d1 = v.fma(x1, d1);
            v = FloatVector.broadcast(F, w[i + 4 * ws]);
            e0 = v.fma(x0, e0);
            e1 = v.fma(x1, e1);
            v = FloatVector.broadcast(F, w[i + 5 * ws]);
            f0 = v.fma(x0, f0);
            f1 = v.fma(x1, f1);
            v = FloatVector.broadcast(F, w[i + 6 * ws]);
            g0 = v.fma(x0, g0);
            g1 = v.fma(x1, g1);
            v = FloatVector.broadcast(F, w[i + 7 * ws]);
            h0 = v.fma(x0, h0);
            h1 = v.fma(x1, h1);
        }
        a0.intoArray(scratch, 0);
        a1.intoArray(scratch, L);
        b0.intoArray(scratch, 2 * L);
        b1.intoArray(scratch, 3 * L);
        c0.intoArray(scratch, 4 * L);
        c1.intoArray(scratch, 5 * L);
        d0.intoArray(scratch, 6 * L);
        d1.intoArray(scratch, 7 * L);
        e0.intoArray(scratch, 8 * L);
        e1.intoArray(scratch, 9 * L);
        f0.intoArray(scratch, 10 * L);
        f1.intoArray(scratch, 11 * L);
        g0.intoArray(scratch, 12 * L);
        g1.intoArray(scratch, 13 * L);
        h0.intoArray(scratch, 14 * L);
        h1.intoArray(scratch, 15 * L);
        addGroup(scratch, out, o, os);
    }

    /** out[o + t * os + r] += scratch[r * GROUP + t]: the tile's sums, token by token. */
    private static void addGroup(float[] scratch, float[] out, int o, int os) {
        for (int r = 0; r < 8; r++) {
            for (int t = 0; t < GROUP; t++) {
                out[o + t * os + r] += scratch[r * GROUP + t];
            }
        }
    }

    /** One row at w[wOff ..] with one token at x[xOff ..]; returns the dot product. */
    public static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = FloatVector.fromArray(F, w, wOff + i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += w[wOff + i] * x[xOff + i];
        }
        return sum;
    }
}
