package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.tensor.format.Blocks;

/**
 * Q6_K in row groups ({@link RowGroups}), blocks of 256: float field d; then four parts, one per
 * half of the block (128 columns) and sixteen of its positions l (part p: half p / 2, l from
 * 16 (p % 2)). A part holds, for each l, the byte vectors of ql[l], ql[l + 32] and qh[l] of its
 * half (together the codes of columns l, l + 32, l + 64 and l + 96), then the int8 scales of the
 * four sub-blocks of 16 columns those columns fall in: the file's own bytes, in the order the
 * kernel reads them.
 *
 * <p>One token is llama.cpp's Q6_K x Q8_K product in integer lanes: the codes minus 32 times the
 * activations' codes summed in 16-bit lanes eight columns at a time (|sum| &lt;= 8 * 32 * 127 =
 * 32512; sixteen could reach 65024; the lanes start at -32 times the eight codes' sum and wrap
 * meanwhile, harmlessly), widened to 32 bits per sub-block, times the sub-block's
 * scale; per block d_w d_x times the integer sum. A prompt goes through floats
 * ({@link WidenedGroups}).
 */
final class Q6_KGroups extends WidenedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Byte vectors per part: three per position, then four scales. */
    private static final int PART = 3 * 16 + 4;

    Q6_KGroups(int rows, int cols) {
        super(rows, cols, 1, 4 * PART);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        floats[r] = Blocks.half(src, from + 208);
        for (int p = 0; p < 4; p++) {
            int half = p / 2;
            int is = p % 2;
            for (int i = 0; i < 16; i++) {
                int l = 16 * is + i;
                bytes[(p * PART + 3 * i) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 64 * half + l);
                bytes[(p * PART + 3 * i + 1) * G + r] = src.get(ValueLayout.JAVA_BYTE,
                        from + 64 * half + l + 32);
                bytes[(p * PART + 3 * i + 2) * G + r] = src.get(ValueLayout.JAVA_BYTE,
                        from + 128 + 32 * half + l);
            }
            for (int m = 0; m < 4; m++) { // the scale of columns l + 32 m: sc[8 half + is + 2 m]
                bytes[(p * PART + 48 + m) * G + r] = src.get(ValueLayout.JAVA_BYTE,
                        from + 192 + 8 * half + is + 2 * m);
            }
        }
    }

    @Override
    void matvec(int g, ActivationCodes x, float[] out, int o) {
        short[] codes = x.codes;
        short[] sums8 = x.sums8;
        float[] scales = x.scales;
        MemorySegment data = this.data[g];
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            IntVector i0 = IntVector.zero(I);
            IntVector i1 = i0;
            for (int p = 0; p < 4; p++) {
                long part = at + bytesAt + (long) p * PART * G;
                int xc = b * 256 + 128 * (p / 2) + 16 * (p % 2); // column l of the part's first position
                IntVector t00 = IntVector.zero(I); // sub-block m's sum: tm0 rows 0..L-1, tm1 the rest
                IntVector t01 = t00;
                IntVector t10 = t00;
                IntVector t11 = t00;
                IntVector t20 = t00;
                IntVector t21 = t00;
                IntVector t30 = t00;
                IntVector t31 = t00;
                for (int eighth = 0; eighth < 16; eighth += 8) {
                    // the lanes start at -32 sum(x) and add q x: (q - 32) x, exact in the end
                    int e = (xc + eighth) / 8;
                    ShortVector s0 = ShortVector.broadcast(S, (short) (-32 * sums8[e]));
                    ShortVector s1 = ShortVector.broadcast(S, (short) (-32 * sums8[e + 4]));
                    ShortVector s2 = ShortVector.broadcast(S, (short) (-32 * sums8[e + 8]));
                    ShortVector s3 = ShortVector.broadcast(S, (short) (-32 * sums8[e + 12]));
                    for (int i = eighth; i < eighth + 8; i++) {
                        long f = part + 3L * i * G;
                        ShortVector a = (ShortVector) ByteVector.fromMemorySegment(BG, data, f, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector c = (ShortVector) ByteVector.fromMemorySegment(BG, data, f + G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector h = (ShortVector) ByteVector.fromMemorySegment(BG, data, f + 2L * G,
                                ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector q1 = a.and((short) 0xF).or(h.and((short) 3).lanewise(VectorOperators.LSHL, 4));
                        ShortVector q2 = c.and((short) 0xF).or(h.and((short) 0xC).lanewise(VectorOperators.LSHL, 2));
                        ShortVector q3 = a.lanewise(VectorOperators.LSHR, 4).or(h.and((short) 0x30));
                        ShortVector q4 = c.lanewise(VectorOperators.LSHR, 4)
                                .or(h.lanewise(VectorOperators.LSHR, 2).and((short) 0x30));
                        int col = xc + i;
                        s0 = s0.add(q1.mul(codes[col]));
                        s1 = s1.add(q2.mul(codes[col + 32]));
                        s2 = s2.add(q3.mul(codes[col + 64]));
                        s3 = s3.add(q4.mul(codes[col + 96]));
                    }
                    t00 = t00.add((IntVector) s0.convertShape(VectorOperators.S2I, I, 0));
                    t01 = t01.add((IntVector) s0.convertShape(VectorOperators.S2I, I, 1));
                    t10 = t10.add((IntVector) s1.convertShape(VectorOperators.S2I, I, 0));
                    t11 = t11.add((IntVector) s1.convertShape(VectorOperators.S2I, I, 1));
                    t20 = t20.add((IntVector) s2.convertShape(VectorOperators.S2I, I, 0));
                    t21 = t21.add((IntVector) s2.convertShape(VectorOperators.S2I, I, 1));
                    t30 = t30.add((IntVector) s3.convertShape(VectorOperators.S2I, I, 0));
                    t31 = t31.add((IntVector) s3.convertShape(VectorOperators.S2I, I, 1));
                }
                long sc = part + 48L * G;
                ByteVector sc0 = ByteVector.fromMemorySegment(BG, data, sc, ByteOrder.LITTLE_ENDIAN);
                ByteVector sc1 = ByteVector.fromMemorySegment(BG, data, sc + G, ByteOrder.LITTLE_ENDIAN);
                ByteVector sc2 = ByteVector.fromMemorySegment(BG, data, sc + 2L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector sc3 = ByteVector.fromMemorySegment(BG, data, sc + 3L * G, ByteOrder.LITTLE_ENDIAN);
                i0 = i0.add(t00.mul((IntVector) sc0.convertShape(VectorOperators.B2I, I, 0)))
                        .add(t10.mul((IntVector) sc1.convertShape(VectorOperators.B2I, I, 0)))
                        .add(t20.mul((IntVector) sc2.convertShape(VectorOperators.B2I, I, 0)))
                        .add(t30.mul((IntVector) sc3.convertShape(VectorOperators.B2I, I, 0)));
                i1 = i1.add(t01.mul((IntVector) sc0.convertShape(VectorOperators.B2I, I, 1)))
                        .add(t11.mul((IntVector) sc1.convertShape(VectorOperators.B2I, I, 1)))
                        .add(t21.mul((IntVector) sc2.convertShape(VectorOperators.B2I, I, 1)))
                        .add(t31.mul((IntVector) sc3.convertShape(VectorOperators.B2I, I, 1)));
            }
            float d = scales[b];
            acc0 = ((FloatVector) i0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN).mul(d), acc0);
            acc1 = ((FloatVector) i1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + L);
    }

    /** The values as Q6_KFormat gives them, (d sc) (q - 32), each product rounded to float. */
    @Override
    void widen(int g, float[] buffer) {
        MemorySegment data = this.data[g];
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            FloatVector d0 = FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < 4; p++) {
                long part = at + bytesAt + (long) p * PART * G;
                int column = b * 256 + 128 * (p / 2) + 16 * (p % 2);
                for (int m = 0; m < 4; m++) {
                    ByteVector sc = ByteVector.fromMemorySegment(BG, data, part + (48L + m) * G, ByteOrder.LITTLE_ENDIAN);
                    FloatVector s0 = d0.mul((FloatVector) sc.convertShape(VectorOperators.B2I, I, 0)
                            .convertShape(VectorOperators.I2F, F, 0));
                    FloatVector s1 = d1.mul((FloatVector) sc.convertShape(VectorOperators.B2I, I, 1)
                            .convertShape(VectorOperators.I2F, F, 0));
                    for (int i = 0; i < 16; i++) {
                        long f = part + 3L * i * G;
                        IntVector q0 = code(data, f, m, 0);
                        IntVector q1 = code(data, f, m, 1);
                        int k = (column + 32 * m + i) * G;
                        ((FloatVector) q0.convertShape(VectorOperators.I2F, F, 0)).mul(s0).intoArray(buffer, k);
                        ((FloatVector) q1.convertShape(VectorOperators.I2F, F, 0)).mul(s1).intoArray(buffer, k + L);
                    }
                }
            }
        }
    }

    /**
     * Lanes [part L, part L + L) of the codes minus 32 of column l + 32 m, from the position's
     * three byte vectors at f (ql[l], ql[l + 32], qh[l]). Widening only: once per group and prompt.
     */
    private static IntVector code(MemorySegment data, long f, int m, int part) {
        IntVector low = (IntVector) ByteVector.fromMemorySegment(BG, data, f + (long) (m % 2) * G, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
        IntVector high = (IntVector) ByteVector.fromMemorySegment(BG, data, f + 2L * G, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
        IntVector nibble = low.lanewise(VectorOperators.LSHR, 4 * (m / 2)).and(0xF);
        return nibble.or(high.lanewise(VectorOperators.LSHR, 2 * m).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
    }
}
