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
 * Q2_K in row groups ({@link RowGroups}), blocks of 256 in sixteen sub-blocks of 16: float fields
 * d and dmin; then two parts p, each the eight scale bytes of its sub-blocks (scale in the low
 * nibble, minimum in the high one; sub-block 8n + 2j + p at byte vector 4n + j) and for each l &lt;
 * 16 the code bytes qs[16p + l] and qs[32 + 16p + l]. Code byte qs[32n + 16p + l] holds the
 * 2-bit codes of columns 128n + 32j + 16p + l, j = 0..3, two bits each from the lowest.
 *
 * <p>One token is llama.cpp's Q2_K x Q8_K product in integer lanes: each sub-block's sum of codes
 * times the activations' codes in a 16-bit lane (|sum| &lt;= 16 * 3 * 127 = 6096), eight
 * sub-blocks at a time from the two code bytes of a position, widened to 32 bits and multiplied
 * by the sub-block's scale; the minimums multiply the activations' code sums over each 16; per
 * block d_x (d isum - dmin msum). A prompt goes through floats ({@link WidenedGroups}).
 */
final class Q2_KGroups extends WidenedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Byte vectors per part: eight scales, then two code bytes per position. */
    private static final int PART = 8 + 2 * 16;

    Q2_KGroups(int rows, int cols) {
        super(rows, cols, 2, 2 * PART);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        floats[r] = Blocks.half(src, from + 80);
        floats[G + r] = Blocks.half(src, from + 82);
        for (int p = 0; p < 2; p++) {
            for (int n = 0; n < 2; n++) {
                for (int j = 0; j < 4; j++) {
                    bytes[(p * PART + 4 * n + j) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 8 * n + 2 * j + p);
                }
            }
            for (int l = 0; l < 16; l++) {
                bytes[(p * PART + 8 + 2 * l) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 16 + 16 * p + l);
                bytes[(p * PART + 9 + 2 * l) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 16 + 32 + 16 * p + l);
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
            IntVector m0 = i0;
            IntVector m1 = i0;
            for (int p = 0; p < 2; p++) {
                long part = at + bytesAt + (long) p * PART * G;
                for (int s = 0; s < 8; s++) { // the minimums times the codes' sums of their sub-blocks
                    int e = (b * 256 + 128 * (s / 4) + 32 * (s % 4) + 16 * p) / 8;
                    int sum = sums8[e] + sums8[e + 1];
                    ByteVector sc = ByteVector.fromMemorySegment(BG, data, part + (long) s * G, ByteOrder.LITTLE_ENDIAN);
                    m0 = m0.add(((IntVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0))
                            .lanewise(VectorOperators.LSHR, 4).mul(sum));
                    m1 = m1.add(((IntVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1))
                            .lanewise(VectorOperators.LSHR, 4).mul(sum));
                }
                ShortVector a0 = ShortVector.zero(S); // sub-block 2j + p's sum: aj for the first half, cj the second
                ShortVector a1 = a0;
                ShortVector a2 = a0;
                ShortVector a3 = a0;
                ShortVector c0 = a0;
                ShortVector c1 = a0;
                ShortVector c2 = a0;
                ShortVector c3 = a0;
                int xc = b * 256 + 16 * p;
                for (int l = 0; l < 16; l++) {
                    long f = part + (8L + 2 * l) * G;
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data, f, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BG, data, f + G, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    int col = xc + l;
                    a0 = a0.add(v.and((short) 3).mul(codes[col]));
                    a1 = a1.add(v.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(codes[col + 32]));
                    a2 = a2.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(codes[col + 64]));
                    a3 = a3.add(v.lanewise(VectorOperators.LSHR, 6).mul(codes[col + 96]));
                    c0 = c0.add(w.and((short) 3).mul(codes[col + 128]));
                    c1 = c1.add(w.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(codes[col + 160]));
                    c2 = c2.add(w.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(codes[col + 192]));
                    c3 = c3.add(w.lanewise(VectorOperators.LSHR, 6).mul(codes[col + 224]));
                }
                ByteVector s0 = ByteVector.fromMemorySegment(BG, data, part, ByteOrder.LITTLE_ENDIAN);
                ByteVector s1 = ByteVector.fromMemorySegment(BG, data, part + G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s2 = ByteVector.fromMemorySegment(BG, data, part + 2L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s3 = ByteVector.fromMemorySegment(BG, data, part + 3L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s4 = ByteVector.fromMemorySegment(BG, data, part + 4L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s5 = ByteVector.fromMemorySegment(BG, data, part + 5L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s6 = ByteVector.fromMemorySegment(BG, data, part + 6L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s7 = ByteVector.fromMemorySegment(BG, data, part + 7L * G, ByteOrder.LITTLE_ENDIAN);
                i0 = i0.add(((IntVector) a0.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s0.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) a1.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s1.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) a2.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s2.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) a3.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s3.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) c0.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s4.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) c1.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s5.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) c2.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s6.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)))
                        .add(((IntVector) c3.convertShape(VectorOperators.S2I, I, 0))
                                .mul(((IntVector) s7.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).and(0xF)));
                i1 = i1.add(((IntVector) a0.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s0.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) a1.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s1.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) a2.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s2.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) a3.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s3.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) c0.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s4.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) c1.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s5.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) c2.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s6.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)))
                        .add(((IntVector) c3.convertShape(VectorOperators.S2I, I, 1))
                                .mul(((IntVector) s7.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).and(0xF)));
            }
            float d = scales[b];
            acc0 = ((FloatVector) i0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN).mul(d), acc0);
            acc1 = ((FloatVector) i1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), acc1);
            acc0 = ((FloatVector) m0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L, ByteOrder.LITTLE_ENDIAN).mul(-d), acc0);
            acc1 = ((FloatVector) m1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(-d), acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + L);
    }

    /** The values as Q2_KFormat gives them, (d sc) q - (dmin m), each product rounded to float. */
    @Override
    void widen(int g, float[] buffer) {
        MemorySegment data = this.data[g];
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            FloatVector d0 = FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN);
            FloatVector n0 = FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L, ByteOrder.LITTLE_ENDIAN);
            FloatVector n1 = FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L + L * 4L, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < 2; p++) {
                long part = at + bytesAt + (long) p * PART * G;
                for (int s = 0; s < 8; s++) { // sub-block 8n + 2j + p, n = s / 4, j = s % 4
                    int n = s / 4;
                    int j = s % 4;
                    ByteVector sc = ByteVector.fromMemorySegment(BG, data, part + (long) s * G, ByteOrder.LITTLE_ENDIAN);
                    IntVector raw0 = (IntVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                    IntVector raw1 = (IntVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                    FloatVector scale0 = d0.mul((FloatVector) raw0.and(0xF).convertShape(VectorOperators.I2F, F, 0));
                    FloatVector scale1 = d1.mul((FloatVector) raw1.and(0xF).convertShape(VectorOperators.I2F, F, 0));
                    FloatVector min0 = n0.mul((FloatVector) raw0.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0));
                    FloatVector min1 = n1.mul((FloatVector) raw1.lanewise(VectorOperators.LSHR, 4).convertShape(VectorOperators.I2F, F, 0));
                    for (int l = 0; l < 16; l++) {
                        ByteVector v = ByteVector.fromMemorySegment(BG, data, part + (8L + 2 * l + n) * G, ByteOrder.LITTLE_ENDIAN);
                        IntVector q0 = ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0))
                                .lanewise(VectorOperators.LSHR, 2 * j).and(3);
                        IntVector q1 = ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1))
                                .lanewise(VectorOperators.LSHR, 2 * j).and(3);
                        int k = (b * 256 + 128 * n + 32 * j + 16 * p + l) * G;
                        ((FloatVector) q0.convertShape(VectorOperators.I2F, F, 0)).mul(scale0).sub(min0).intoArray(buffer, k);
                        ((FloatVector) q1.convertShape(VectorOperators.I2F, F, 0)).mul(scale1).sub(min1).intoArray(buffer, k + L);
                    }
                }
            }
        }
    }
}
