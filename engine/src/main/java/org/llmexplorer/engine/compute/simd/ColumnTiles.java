package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;

/**
 * Products of a group of 2L rows stored column by column (w[k * 2L + r], as the row groups of
 * Q8_0 and the K-quants but Q4_K widen them) with several tokens: for each column, the group's
 * two vectors of weights times each token's activation, broadcast. The accumulators are finished
 * sums, one vector per half group and token, so no lane sums are paid; four tokens keep eight of
 * them in registers, which fits AVX2's sixteen.
 *
 * <p>The methods write (not add): out[o + t * os + r] = row r . token t, for r &lt; 2L.
 */
final class ColumnTiles {
    private ColumnTiles() {
    }

    /** Tokens t &lt; 4 at x[xOff + t * xs ..], n columns. */
    static void tile4(float[] w, int n, float[] x, int xOff, int xs, float[] out, int o, int os) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        for (int k = 0; k < n; k++) {
            FloatVector w0 = FloatVector.fromArray(F, w, k * 2 * L);
            FloatVector w1 = FloatVector.fromArray(F, w, k * 2 * L + L);
            FloatVector x0 = FloatVector.broadcast(F, x[xOff + k]);
            a0 = w0.fma(x0, a0);
            a1 = w1.fma(x0, a1);
            FloatVector x1 = FloatVector.broadcast(F, x[xOff + xs + k]);
            b0 = w0.fma(x1, b0);
            b1 = w1.fma(x1, b1);
            FloatVector x2 = FloatVector.broadcast(F, x[xOff + 2 * xs + k]);
            c0 = w0.fma(x2, c0);
            c1 = w1.fma(x2, c1);
            FloatVector x3 = FloatVector.broadcast(F, x[xOff + 3 * xs + k]);
            d0 = w0.fma(x3, d0);
            d1 = w1.fma(x3, d1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        b0.intoArray(out, o + os);
        b1.intoArray(out, o + os + L);
        c0.intoArray(out, o + 2 * os);
        c1.intoArray(out, o + 2 * os + L);
        d0.intoArray(out, o + 3 * os);
        d1.intoArray(out, o + 3 * os + L);
    }

    /** One token at x[xOff ..], n columns. */
    static void tile1(float[] w, int n, float[] x, int xOff, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int k = 0; k < n; k++) {
            FloatVector x0 = FloatVector.broadcast(F, x[xOff + k]);
            a0 = FloatVector.fromArray(F, w, k * 2 * L).fma(x0, a0);
            a1 = FloatVector.fromArray(F, w, k * 2 * L + L).fma(x0, a1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
    }
    /**
     * Tokens t &lt; 4 given as their 8-bit codes in floats (x[xOff + t * xs + k], block scales
     * xScales[(xOff + t * xs) / 32 + b]) times a group of codes in floats (w, exact small integers)
     * whose per-row block scales are scales[b * 2L + r]:
     * each block's 32 products sum exactly in floats (|sum| &lt;= 32 * 127 * 127 &lt; 2^24), then take
     * both scales, as llama.cpp's integer dot products do. Eight block accumulators and eight
     * totals (with AVX2's sixteen registers the totals wait in memory while a block runs).
     */
    static void tile4Blocks(float[] w, float[] scales, int n,
                            float[] x, float[] xScales, int xOff, int xs, float[] out, int o, int os) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        int sb = xs / 32;
        for (int blk = 0; blk < n / 32; blk++) {
            FloatVector pa0 = FloatVector.zero(F);
            FloatVector pa1 = pa0;
            FloatVector pb0 = pa0;
            FloatVector pb1 = pa0;
            FloatVector pc0 = pa0;
            FloatVector pc1 = pa0;
            FloatVector pd0 = pa0;
            FloatVector pd1 = pa0;
            for (int k = blk * 32; k < blk * 32 + 32; k++) {
                FloatVector w0 = FloatVector.fromArray(F, w, k * 2 * L);
                FloatVector w1 = FloatVector.fromArray(F, w, k * 2 * L + L);
                FloatVector x0 = FloatVector.broadcast(F, x[xOff + k]);
                pa0 = w0.fma(x0, pa0);
                pa1 = w1.fma(x0, pa1);
                FloatVector x1 = FloatVector.broadcast(F, x[xOff + xs + k]);
                pb0 = w0.fma(x1, pb0);
                pb1 = w1.fma(x1, pb1);
                FloatVector x2 = FloatVector.broadcast(F, x[xOff + 2 * xs + k]);
                pc0 = w0.fma(x2, pc0);
                pc1 = w1.fma(x2, pc1);
                FloatVector x3 = FloatVector.broadcast(F, x[xOff + 3 * xs + k]);
                pd0 = w0.fma(x3, pd0);
                pd1 = w1.fma(x3, pd1);
            }
            FloatVector s0 = FloatVector.fromArray(F, scales, blk * 2 * L);
            FloatVector s1 = FloatVector.fromArray(F, scales, blk * 2 * L + L);
            int xb = xOff / 32 + blk;
            a0 = pa0.fma(s0.mul(xScales[xb]), a0);
            a1 = pa1.fma(s1.mul(xScales[xb]), a1);
            b0 = pb0.fma(s0.mul(xScales[xb + sb]), b0);
            b1 = pb1.fma(s1.mul(xScales[xb + sb]), b1);
            c0 = pc0.fma(s0.mul(xScales[xb + 2 * sb]), c0);
            c1 = pc1.fma(s1.mul(xScales[xb + 2 * sb]), c1);
            d0 = pd0.fma(s0.mul(xScales[xb + 3 * sb]), d0);
            d1 = pd1.fma(s1.mul(xScales[xb + 3 * sb]), d1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        b0.intoArray(out, o + os);
        b1.intoArray(out, o + os + L);
        c0.intoArray(out, o + 2 * os);
        c1.intoArray(out, o + 2 * os + L);
        d0.intoArray(out, o + 3 * os);
        d1.intoArray(out, o + 3 * os + L);
    }

    /** One token, as {@link #tile4Blocks}. */
    static void tile1Blocks(float[] w, float[] scales, int n,
                            float[] x, float[] xScales, int xOff, float[] out, int o) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int blk = 0; blk < n / 32; blk++) {
            FloatVector pa0 = FloatVector.zero(F);
            FloatVector pa1 = pa0;
            for (int k = blk * 32; k < blk * 32 + 32; k++) {
                FloatVector x0 = FloatVector.broadcast(F, x[xOff + k]);
                pa0 = FloatVector.fromArray(F, w, k * 2 * L).fma(x0, pa0);
                pa1 = FloatVector.fromArray(F, w, k * 2 * L + L).fma(x0, pa1);
            }
            float dx = xScales[xOff / 32 + blk];
            a0 = pa0.fma(FloatVector.fromArray(F, scales, blk * 2 * L).mul(dx), a0);
            a1 = pa1.fma(FloatVector.fromArray(F, scales, blk * 2 * L + L).mul(dx), a1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
    }
}
