package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;

/**
 * Products of a group of 2L rows stored column by column (w[k * 2L + r], as
 * {@link Q4_0Groups#dequantize} writes them) with several tokens: for each column, the group's
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
}
