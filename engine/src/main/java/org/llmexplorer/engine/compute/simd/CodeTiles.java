package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;
import static org.llmexplorer.engine.compute.simd.RowGroups.BLOCK;
import static org.llmexplorer.engine.compute.simd.RowGroups.G;
import static org.llmexplorer.engine.compute.simd.RowGroups.S;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products of a Q4_0 row group whose codes are unpacked to 16-bit lanes column by column
 * (w[k * G + r], 0..15) with several tokens' Q8_0 codes: per block of 32 columns each token's sum
 * runs in 16-bit lanes, exact (see {@link Q4_0Groups}), and is then widened to floats and
 * multiplied by the rows' scales (the float vectors of each block of the group's segment) and the
 * token's scale. Four tokens keep four 16-bit and eight float accumulators in registers. The
 * widening is written out, not a helper returning a vector (see {@link Lanes}).
 *
 * <p>The methods write (not add): out[o + t * os + r] = row r . token t, for r &lt; G.
 */
final class CodeTiles {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    private CodeTiles() {
    }

    /** Tokens t &lt; 4 at codes[xOff + t * xs ..], n columns; {@code scales} is the group's segment. */
    static void tile4(short[] w, MemorySegment scales, long groupBlock, long floatsAt, int n, ActivationCodes codes, int xOff, int xs,
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
        for (int b = 0; b < n / BLOCK; b++) {
            ShortVector sa = ShortVector.zero(S);
            ShortVector sb = sa;
            ShortVector sc = sa;
            ShortVector sd = sa;
            int k0 = b * BLOCK;
            for (int k = k0; k < k0 + BLOCK; k++) {
                ShortVector wv = ShortVector.fromArray(S, w, k * G);
                sa = sa.add(wv.mul(x[xOff + k]));
                sb = sb.add(wv.mul(x[xOff + xs + k]));
                sc = sc.add(wv.mul(x[xOff + 2 * xs + k]));
                sd = sd.add(wv.mul(x[xOff + 3 * xs + k]));
            }
            int xb = (xOff + k0) / BLOCK;
            int sb1 = xs / BLOCK;
            FloatVector w0 = FloatVector.fromMemorySegment(F, scales, b * groupBlock + floatsAt, ByteOrder.LITTLE_ENDIAN);
            FloatVector w1 = FloatVector.fromMemorySegment(F, scales, b * groupBlock + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN);
            sa = sa.sub((short) (8 * codes.sums[xb]));
            sb = sb.sub((short) (8 * codes.sums[xb + sb1]));
            sc = sc.sub((short) (8 * codes.sums[xb + 2 * sb1]));
            sd = sd.sub((short) (8 * codes.sums[xb + 3 * sb1]));
            float da = codes.scales[xb];
            float db = codes.scales[xb + sb1];
            float dc = codes.scales[xb + 2 * sb1];
            float dd = codes.scales[xb + 3 * sb1];
            a0 = ((FloatVector) ((IntVector) sa.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(da), a0);
            a1 = ((FloatVector) ((IntVector) sa.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(da), a1);
            b0 = ((FloatVector) ((IntVector) sb.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(db), b0);
            b1 = ((FloatVector) ((IntVector) sb.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(db), b1);
            c0 = ((FloatVector) ((IntVector) sc.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(dc), c0);
            c1 = ((FloatVector) ((IntVector) sc.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(dc), c1);
            d0 = ((FloatVector) ((IntVector) sd.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(w0.mul(dd), d0);
            d1 = ((FloatVector) ((IntVector) sd.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(w1.mul(dd), d1);
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
    static void tile1(short[] w, MemorySegment scales, long groupBlock, long floatsAt, int n, ActivationCodes codes, int xOff, float[] out,
                      int o) {
        short[] x = codes.codes;
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        for (int b = 0; b < n / BLOCK; b++) {
            ShortVector sa = ShortVector.zero(S);
            int k0 = b * BLOCK;
            for (int k = k0; k < k0 + BLOCK; k++) {
                sa = sa.add(ShortVector.fromArray(S, w, k * G).mul(x[xOff + k]));
            }
            int xb = (xOff + k0) / BLOCK;
            sa = sa.sub((short) (8 * codes.sums[xb]));
            float da = codes.scales[xb];
            a0 = ((FloatVector) ((IntVector) sa.convertShape(VectorOperators.S2I, I, 0)).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, scales, b * groupBlock + floatsAt, ByteOrder.LITTLE_ENDIAN)
                    .mul(da), a0);
            a1 = ((FloatVector) ((IntVector) sa.convertShape(VectorOperators.S2I, I, 1)).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, scales, b * groupBlock + floatsAt + L * 4L,
                    ByteOrder.LITTLE_ENDIAN).mul(da), a1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
    }
}
