package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;

/**
 * Products of rows of float weights with several tokens' activations, the inner loops of prompt
 * processing. The 4 x 4 tile keeps sixteen accumulators in registers and loads each weight and
 * each activation vector once for four uses, which runs at about 60% of the FMA units' peak
 * (one row with four tokens reaches half that: it is limited by loads).
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
