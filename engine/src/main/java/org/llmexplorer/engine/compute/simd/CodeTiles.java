package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;
import static org.llmexplorer.engine.compute.simd.RowGroups.BLOCK;
import static org.llmexplorer.engine.compute.simd.RowGroups.G;
import static org.llmexplorer.engine.compute.simd.RowGroups.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products of a row group whose 4-bit codes q (0..15) are unpacked to 16-bit lanes column by
 * column (w[k * G + r]) with several tokens' 8-bit codes x. Per block of 32 columns each token's
 * sum of (q - 8) x runs in 16-bit lanes, exact (|sum| &lt;= 32 * 8 * 127 = 32512; the lanes start
 * at -8 sum(x) and wrap meanwhile, harmlessly, since the true sum fits), is widened to floats
 * and multiplied by the rows' scale of the block and the token's scale. Q4_0's weights are
 * exactly d (q - 8). Q4_K's are d sc q - dmin m per sub-block of 32: the block's scale is d sc,
 * and what the centring took off comes back with the minimums through {@code offsets}, 8 d sc -
 * dmin m, times the token's sum of x and scale. Four tokens keep four 16-bit and eight float
 * accumulators in registers. The widening is written out, not a helper returning a vector (see
 * {@link Lanes}).
 *
 * <p>Row scales and offsets are per block of 32 columns and row: scales[b * G + r]. The
 * methods write (not add): out[o + t * os + r] = row r . token t, for r &lt; G.
 */
final class CodeTiles {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    private CodeTiles() {
    }

    /**
     * Tokens t &lt; 4 at codes[xOff + t * xs ..], n columns; {@code offsets} null where the codes
     * need none (Q4_0).
     */
    static void tile4(short[] w, float[] scales, float[] offsets, int n, ActivationCodes codes, int xOff, int xs,
                      float[] out, int o, int os) {
        short[] x = codes.codes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector c0 = a0;
        FloatVector c1 = a0;
        FloatVector d0 = a0;
        FloatVector d1 = a0;
        int sb1 = xs / BLOCK;
        for (int b = 0; b < n / BLOCK; b++) {
            int k0 = b * BLOCK;
            int xb = (xOff + k0) / BLOCK;
            int sa = codes.sums[xb];
            int sb = codes.sums[xb + sb1];
            int sc = codes.sums[xb + 2 * sb1];
            int sd = codes.sums[xb + 3 * sb1];
            ShortVector ta = ShortVector.broadcast(S, (short) (-8 * sa));
            ShortVector tb = ShortVector.broadcast(S, (short) (-8 * sb));
            ShortVector tc = ShortVector.broadcast(S, (short) (-8 * sc));
            ShortVector td = ShortVector.broadcast(S, (short) (-8 * sd));
            for (int k = k0; k < k0 + BLOCK; k++) {
                ShortVector wv = ShortVector.fromArray(S, w, k * G);
                ta = ta.add(wv.mul(x[xOff + k]));
                tb = tb.add(wv.mul(x[xOff + xs + k]));
                tc = tc.add(wv.mul(x[xOff + 2 * xs + k]));
                td = td.add(wv.mul(x[xOff + 3 * xs + k]));
            }
            float da = codes.scale(xOff + k0);
            float db = codes.scale(xOff + xs + k0);
            float dc = codes.scale(xOff + 2 * xs + k0);
            float dd = codes.scale(xOff + 3 * xs + k0);
            FloatVector w0 = FloatVector.fromArray(F, scales, b * G);
            FloatVector w1 = FloatVector.fromArray(F, scales, b * G + L);
            a0 = ((FloatVector) ((IntVector) ta.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).fma(w0.mul(da), a0);
            a1 = ((FloatVector) ((IntVector) ta.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).fma(w1.mul(da), a1);
            b0 = ((FloatVector) ((IntVector) tb.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).fma(w0.mul(db), b0);
            b1 = ((FloatVector) ((IntVector) tb.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).fma(w1.mul(db), b1);
            c0 = ((FloatVector) ((IntVector) tc.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).fma(w0.mul(dc), c0);
            c1 = ((FloatVector) ((IntVector) tc.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).fma(w1.mul(dc), c1);
            d0 = ((FloatVector) ((IntVector) td.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0)).fma(w0.mul(dd), d0);
            d1 = ((FloatVector) ((IntVector) td.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0)).fma(w1.mul(dd), d1);
            if (offsets != null) {
                FloatVector m0 = FloatVector.fromArray(F, offsets, b * G);
                FloatVector m1 = FloatVector.fromArray(F, offsets, b * G + L);
                a0 = m0.fma(FloatVector.broadcast(F, sa * da), a0);
                a1 = m1.fma(FloatVector.broadcast(F, sa * da), a1);
                b0 = m0.fma(FloatVector.broadcast(F, sb * db), b0);
                b1 = m1.fma(FloatVector.broadcast(F, sb * db), b1);
                c0 = m0.fma(FloatVector.broadcast(F, sc * dc), c0);
                c1 = m1.fma(FloatVector.broadcast(F, sc * dc), c1);
                d0 = m0.fma(FloatVector.broadcast(F, sd * dd), d0);
                d1 = m1.fma(FloatVector.broadcast(F, sd * dd), d1);
            }
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

    /** One token at codes[xOff ..], n columns. */
    static void tile1(short[] w, float[] scales, float[] offsets, int n, ActivationCodes codes, int xOff, float[] out,
                      int o) {
        short[] x = codes.codes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int b = 0; b < n / BLOCK; b++) {
            int k0 = b * BLOCK;
            int sum = codes.sums[(xOff + k0) / BLOCK];
            ShortVector ta = ShortVector.broadcast(S, (short) (-8 * sum));
            for (int k = k0; k < k0 + BLOCK; k++) {
                ta = ta.add(ShortVector.fromArray(S, w, k * G).mul(x[xOff + k]));
            }
            float da = codes.scale(xOff + k0);
            a0 = ((FloatVector) ((IntVector) ta.convertShape(VectorOperators.S2I, I, 0)).convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromArray(F, scales, b * G).mul(da), a0);
            a1 = ((FloatVector) ((IntVector) ta.convertShape(VectorOperators.S2I, I, 1)).convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromArray(F, scales, b * G + L).mul(da), a1);
            if (offsets != null) {
                a0 = FloatVector.fromArray(F, offsets, b * G).fma(FloatVector.broadcast(F, sum * da), a0);
                a1 = FloatVector.fromArray(F, offsets, b * G + L).fma(FloatVector.broadcast(F, sum * da), a1);
            }
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
    }
}
