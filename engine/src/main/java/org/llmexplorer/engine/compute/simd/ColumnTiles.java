package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;

/**
 * Products of a group of 2L rows stored column by column (w[k * 2L + r], as the row groups of
 * Q8_0 and the K-quants but Q4_K widen them) with several tokens: for each column, the group's
 * two vectors of weights times each token's activation, broadcast. The accumulators are finished
 * sums, one vector per half group and token, so no lane sums are paid; four tokens keep eight of
 * them in registers, which fits AVX2's sixteen, and eight tokens sixteen, for AVX-512's 32.
 *
 * <p>The methods write (not add) out[o + t * os + r] = row r . token t, for r &lt; 2L, except
 * {@link #tile8Blocks}, which adds.
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

    /**
     * Tokens t &lt; 8 as {@link #tile4}: each weight vector loaded serves eight tokens (sixteen
     * accumulators, AVX-512 only), which Intel's two 512-bit FMAs a cycle need (see
     * {@link #tile8Blocks}). Same sums as {@link #tile4}, to the bit.
     */
    static void tile8(float[] w, int n, float[] x, int xOff, int xs, float[] out, int o, int os) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0, e0 = a0, e1 = a0, f0 = a0, f1 = a0, g0 = a0, g1 = a0, h0 = a0, h1 = a0;
        int k = 0;
        for (; k + 2 <= n; k += 2) {
            {
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
                FloatVector x4 = FloatVector.broadcast(F, x[xOff + 4 * xs + k]);
                e0 = w0.fma(x4, e0);
                e1 = w1.fma(x4, e1);
                FloatVector x5 = FloatVector.broadcast(F, x[xOff + 5 * xs + k]);
                f0 = w0.fma(x5, f0);
                f1 = w1.fma(x5, f1);
                FloatVector x6 = FloatVector.broadcast(F, x[xOff + 6 * xs + k]);
                g0 = w0.fma(x6, g0);
                g1 = w1.fma(x6, g1);
                FloatVector x7 = FloatVector.broadcast(F, x[xOff + 7 * xs + k]);
                h0 = w0.fma(x7, h0);
                h1 = w1.fma(x7, h1);
            }
            {
                FloatVector w0 = FloatVector.fromArray(F, w, (k + 1) * 2 * L);
                FloatVector w1 = FloatVector.fromArray(F, w, (k + 1) * 2 * L + L);
                FloatVector x0 = FloatVector.broadcast(F, x[xOff + (k + 1)]);
                a0 = w0.fma(x0, a0);
                a1 = w1.fma(x0, a1);
                FloatVector x1 = FloatVector.broadcast(F, x[xOff + xs + (k + 1)]);
                b0 = w0.fma(x1, b0);
                b1 = w1.fma(x1, b1);
                FloatVector x2 = FloatVector.broadcast(F, x[xOff + 2 * xs + (k + 1)]);
                c0 = w0.fma(x2, c0);
                c1 = w1.fma(x2, c1);
                FloatVector x3 = FloatVector.broadcast(F, x[xOff + 3 * xs + (k + 1)]);
                d0 = w0.fma(x3, d0);
                d1 = w1.fma(x3, d1);
                FloatVector x4 = FloatVector.broadcast(F, x[xOff + 4 * xs + (k + 1)]);
                e0 = w0.fma(x4, e0);
                e1 = w1.fma(x4, e1);
                FloatVector x5 = FloatVector.broadcast(F, x[xOff + 5 * xs + (k + 1)]);
                f0 = w0.fma(x5, f0);
                f1 = w1.fma(x5, f1);
                FloatVector x6 = FloatVector.broadcast(F, x[xOff + 6 * xs + (k + 1)]);
                g0 = w0.fma(x6, g0);
                g1 = w1.fma(x6, g1);
                FloatVector x7 = FloatVector.broadcast(F, x[xOff + 7 * xs + (k + 1)]);
                h0 = w0.fma(x7, h0);
                h1 = w1.fma(x7, h1);
            }
        }
        for (; k < n; k++) {
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
            FloatVector x4 = FloatVector.broadcast(F, x[xOff + 4 * xs + k]);
            e0 = w0.fma(x4, e0);
            e1 = w1.fma(x4, e1);
            FloatVector x5 = FloatVector.broadcast(F, x[xOff + 5 * xs + k]);
            f0 = w0.fma(x5, f0);
            f1 = w1.fma(x5, f1);
            FloatVector x6 = FloatVector.broadcast(F, x[xOff + 6 * xs + k]);
            g0 = w0.fma(x6, g0);
            g1 = w1.fma(x6, g1);
            FloatVector x7 = FloatVector.broadcast(F, x[xOff + 7 * xs + k]);
            h0 = w0.fma(x7, h0);
            h1 = w1.fma(x7, h1);
        }
        int q = o;
        a0.intoArray(out, q);
        a1.intoArray(out, q + L);
        q += os;
        b0.intoArray(out, q);
        b1.intoArray(out, q + L);
        q += os;
        c0.intoArray(out, q);
        c1.intoArray(out, q + L);
        q += os;
        d0.intoArray(out, q);
        d1.intoArray(out, q + L);
        q += os;
        e0.intoArray(out, q);
        e1.intoArray(out, q + L);
        q += os;
        f0.intoArray(out, q);
        f1.intoArray(out, q + L);
        q += os;
        g0.intoArray(out, q);
        g1.intoArray(out, q + L);
        q += os;
        h0.intoArray(out, q);
        h1.intoArray(out, q + L);
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

    /**
     * Tokens t &lt; 8 as {@link #tile4Blocks}, adding to out (which the caller clears). Each weight
     * vector loaded serves eight tokens, not four: on a core that issues two 512-bit FMAs a cycle
     * (Intel's), the four-token tile was bound by its loads and loop arithmetic, not its FMAs
     * (44% of the float peak; this one 55%). Sixteen block accumulators, two weight vectors and the
     * broadcasts fill AVX-512's 32 registers, so the totals wait in out, read and written once per
     * block; the loop takes two columns per step (C2 does not unroll a loop this large itself:
     * 74 against 88 GFLOP/s). Blocks and columns are summed in {@link #tile4Blocks}'s order, so the
     * sums are the same to the bit.
     */
    static void tile8Blocks(float[] w, float[] scales, int blocks,
                            float[] x, float[] xScales, int xOff, int xs, float[] out, int o, int os) {
        int sb = xs / 32;
        for (int blk = 0; blk < blocks; blk++) {
            FloatVector pa0 = FloatVector.zero(F);
            FloatVector pa1 = pa0, pb0 = pa0, pb1 = pa0, pc0 = pa0, pc1 = pa0, pd0 = pa0, pd1 = pa0, pe0 = pa0, pe1 = pa0, pf0 = pa0, pf1 = pa0, pg0 = pa0, pg1 = pa0, ph0 = pa0, ph1 = pa0;
            for (int k = blk * 32; k < blk * 32 + 32; k += 2) {
                {
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
                FloatVector x4 = FloatVector.broadcast(F, x[xOff + 4 * xs + k]);
                pe0 = w0.fma(x4, pe0);
                pe1 = w1.fma(x4, pe1);
                FloatVector x5 = FloatVector.broadcast(F, x[xOff + 5 * xs + k]);
                pf0 = w0.fma(x5, pf0);
                pf1 = w1.fma(x5, pf1);
                FloatVector x6 = FloatVector.broadcast(F, x[xOff + 6 * xs + k]);
                pg0 = w0.fma(x6, pg0);
                pg1 = w1.fma(x6, pg1);
                FloatVector x7 = FloatVector.broadcast(F, x[xOff + 7 * xs + k]);
                ph0 = w0.fma(x7, ph0);
                ph1 = w1.fma(x7, ph1);
                }
                {
                FloatVector w0 = FloatVector.fromArray(F, w, (k + 1) * 2 * L);
                FloatVector w1 = FloatVector.fromArray(F, w, (k + 1) * 2 * L + L);
                FloatVector x0 = FloatVector.broadcast(F, x[xOff + (k + 1)]);
                pa0 = w0.fma(x0, pa0);
                pa1 = w1.fma(x0, pa1);
                FloatVector x1 = FloatVector.broadcast(F, x[xOff + xs + (k + 1)]);
                pb0 = w0.fma(x1, pb0);
                pb1 = w1.fma(x1, pb1);
                FloatVector x2 = FloatVector.broadcast(F, x[xOff + 2 * xs + (k + 1)]);
                pc0 = w0.fma(x2, pc0);
                pc1 = w1.fma(x2, pc1);
                FloatVector x3 = FloatVector.broadcast(F, x[xOff + 3 * xs + (k + 1)]);
                pd0 = w0.fma(x3, pd0);
                pd1 = w1.fma(x3, pd1);
                FloatVector x4 = FloatVector.broadcast(F, x[xOff + 4 * xs + (k + 1)]);
                pe0 = w0.fma(x4, pe0);
                pe1 = w1.fma(x4, pe1);
                FloatVector x5 = FloatVector.broadcast(F, x[xOff + 5 * xs + (k + 1)]);
                pf0 = w0.fma(x5, pf0);
                pf1 = w1.fma(x5, pf1);
                FloatVector x6 = FloatVector.broadcast(F, x[xOff + 6 * xs + (k + 1)]);
                pg0 = w0.fma(x6, pg0);
                pg1 = w1.fma(x6, pg1);
                FloatVector x7 = FloatVector.broadcast(F, x[xOff + 7 * xs + (k + 1)]);
                ph0 = w0.fma(x7, ph0);
                ph1 = w1.fma(x7, ph1);
                }
            }
            FloatVector s0 = FloatVector.fromArray(F, scales, blk * 2 * L);
            FloatVector s1 = FloatVector.fromArray(F, scales, blk * 2 * L + L);
            int xb = xOff / 32 + blk;
            int q = o;
            pa0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pa1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            pb0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pb1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            pc0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pc1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            pd0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pd1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            pe0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pe1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            pf0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pf1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            pg0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            pg1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
            q += os;
            xb += sb;
            ph0.fma(s0.mul(xScales[xb]), FloatVector.fromArray(F, out, q)).intoArray(out, q);
            ph1.fma(s1.mul(xScales[xb]), FloatVector.fromArray(F, out, q + L)).intoArray(out, q + L);
        }
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
