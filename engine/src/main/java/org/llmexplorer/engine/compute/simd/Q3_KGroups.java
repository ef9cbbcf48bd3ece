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
 * Q3_K in row groups ({@link RowGroups}), blocks of 256 in sixteen sub-blocks of 16: float field
 * d; then two parts p, each the eight scales of its sub-blocks, unpacked from the file's twelve
 * bytes and less 32 (int8; sub-block 8n + 2j + p at byte vector 4n + j), and for each l &lt; 16
 * the bytes hmask[16p + l], qs[16p + l] and qs[32 + 16p + l]. Column 128n + 32j + 16p + l has
 * the two bits 2j of qs[32n + 16p + l] and bit 4n + j of hmask[16p + l] above them; its code is
 * that 3-bit number less 4.
 *
 * <p>One token is llama.cpp's Q3_K x Q8_K product in integer lanes: each sub-block's sum of codes
 * times the activations' codes in a 16-bit lane that starts at -4 times the activations' sum
 * over the sub-block (|sum| &lt;= 16 * 4 * 127 = 8128), eight sub-blocks at a time from the three
 * bytes of a position, widened to 32 bits and multiplied by the sub-block's scale; per block
 * d_w d_x times the integer sum. A prompt goes through floats ({@link WidenedGroups}).
 */
final class Q3_KGroups extends WidenedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Byte vectors per part: eight scales, then three bytes per position. */
    private static final int PART = 8 + 3 * 16;

    Q3_KGroups(int rows, int cols) {
        super(rows, cols, 1, 2 * PART);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        floats[r] = Blocks.half(src, from + 108);
        long scalesLo = src.get(ValueLayout.JAVA_LONG_UNALIGNED, from + 96);
        int scalesHi = src.get(ValueLayout.JAVA_INT_UNALIGNED, from + 104);
        for (int p = 0; p < 2; p++) {
            for (int n = 0; n < 2; n++) {
                for (int j = 0; j < 4; j++) {
                    bytes[(p * PART + 4 * n + j) * G + r] = (byte) (Blocks.scaleQ3K(scalesLo, scalesHi, 8 * n + 2 * j + p) - 32);
                }
            }
            for (int l = 0; l < 16; l++) {
                bytes[(p * PART + 8 + 3 * l) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 16 * p + l);
                bytes[(p * PART + 9 + 3 * l) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 32 + 16 * p + l);
                bytes[(p * PART + 10 + 3 * l) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 64 + 16 * p + l);
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
            for (int p = 0; p < 2; p++) {
                long part = at + bytesAt + (long) p * PART * G;
                int xc = b * 256 + 16 * p;
                int e = xc / 8; // the activations' sums of eight: sub-block 8n + 2j + p's are at e + 16n + 4j and one on
                // the lanes start at -4 times the sub-block's sum of x, so that they end at sum((q - 4) x)
                ShortVector a0 = ShortVector.broadcast(S, (short) (-4 * (sums8[e] + sums8[e + 1])));
                ShortVector a1 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 4] + sums8[e + 5])));
                ShortVector a2 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 8] + sums8[e + 9])));
                ShortVector a3 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 12] + sums8[e + 13])));
                ShortVector c0 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 16] + sums8[e + 17])));
                ShortVector c1 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 20] + sums8[e + 21])));
                ShortVector c2 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 24] + sums8[e + 25])));
                ShortVector c3 = ShortVector.broadcast(S, (short) (-4 * (sums8[e + 28] + sums8[e + 29])));
                for (int l = 0; l < 16; l++) {
                    long f = part + (8L + 3 * l) * G;
                    ShortVector h = ((ShortVector) ByteVector.fromMemorySegment(BG, data, f, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(VectorOperators.LSHL, 2);
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data, f + G, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector w = (ShortVector) ByteVector.fromMemorySegment(BG, data, f + 2L * G, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    int col = xc + l; // h has bit k of hmask at bit k + 2: the code's third bit, 4, after a shift by k
                    a0 = a0.add(v.and((short) 3).or(h.and((short) 4)).mul(codes[col]));
                    a1 = a1.add(v.lanewise(VectorOperators.LSHR, 2).and((short) 3)
                            .or(h.lanewise(VectorOperators.LSHR, 1).and((short) 4)).mul(codes[col + 32]));
                    a2 = a2.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 3)
                            .or(h.lanewise(VectorOperators.LSHR, 2).and((short) 4)).mul(codes[col + 64]));
                    a3 = a3.add(v.lanewise(VectorOperators.LSHR, 6)
                            .or(h.lanewise(VectorOperators.LSHR, 3).and((short) 4)).mul(codes[col + 96]));
                    c0 = c0.add(w.and((short) 3)
                            .or(h.lanewise(VectorOperators.LSHR, 4).and((short) 4)).mul(codes[col + 128]));
                    c1 = c1.add(w.lanewise(VectorOperators.LSHR, 2).and((short) 3)
                            .or(h.lanewise(VectorOperators.LSHR, 5).and((short) 4)).mul(codes[col + 160]));
                    c2 = c2.add(w.lanewise(VectorOperators.LSHR, 4).and((short) 3)
                            .or(h.lanewise(VectorOperators.LSHR, 6).and((short) 4)).mul(codes[col + 192]));
                    c3 = c3.add(w.lanewise(VectorOperators.LSHR, 6)
                            .or(h.lanewise(VectorOperators.LSHR, 7).and((short) 4)).mul(codes[col + 224]));
                }
                ByteVector s0 = ByteVector.fromMemorySegment(BG, data, part, ByteOrder.LITTLE_ENDIAN);
                ByteVector s1 = ByteVector.fromMemorySegment(BG, data, part + G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s2 = ByteVector.fromMemorySegment(BG, data, part + 2L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s3 = ByteVector.fromMemorySegment(BG, data, part + 3L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s4 = ByteVector.fromMemorySegment(BG, data, part + 4L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s5 = ByteVector.fromMemorySegment(BG, data, part + 5L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s6 = ByteVector.fromMemorySegment(BG, data, part + 6L * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector s7 = ByteVector.fromMemorySegment(BG, data, part + 7L * G, ByteOrder.LITTLE_ENDIAN);
                i0 = i0.add(((IntVector) a0.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s0.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) a1.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s1.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) a2.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s2.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) a3.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s3.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) c0.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s4.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) c1.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s5.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) c2.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s6.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) c3.convertShape(VectorOperators.S2I, I, 0)).mul((IntVector) s7.convertShape(VectorOperators.B2I, I, 0)));
                i1 = i1.add(((IntVector) a0.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s0.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) a1.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s1.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) a2.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s2.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) a3.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s3.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) c0.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s4.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) c1.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s5.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) c2.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s6.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) c3.convertShape(VectorOperators.S2I, I, 1)).mul((IntVector) s7.convertShape(VectorOperators.B2I, I, 1)));
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

    /** The values as Q3_KFormat gives them, (d (sc - 32)) (q - 4), each product rounded to float. */
    @Override
    void widen(int g, float[] buffer) {
        MemorySegment data = this.data[g];
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            FloatVector d0 = FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < 2; p++) {
                long part = at + bytesAt + (long) p * PART * G;
                for (int s = 0; s < 8; s++) { // sub-block 8n + 2j + p, n = s / 4, j = s % 4
                    int n = s / 4;
                    int j = s % 4;
                    ByteVector sc = ByteVector.fromMemorySegment(BG, data, part + (long) s * G, ByteOrder.LITTLE_ENDIAN);
                    FloatVector scale0 = d0.mul((FloatVector) sc.convertShape(VectorOperators.B2I, I, 0).convertShape(VectorOperators.I2F, F, 0));
                    FloatVector scale1 = d1.mul((FloatVector) sc.convertShape(VectorOperators.B2I, I, 1).convertShape(VectorOperators.I2F, F, 0));
                    for (int l = 0; l < 16; l++) {
                        long f = part + (8L + 3 * l) * G;
                        ByteVector h = ByteVector.fromMemorySegment(BG, data, f, ByteOrder.LITTLE_ENDIAN);
                        ByteVector v = ByteVector.fromMemorySegment(BG, data, f + (1L + n) * G, ByteOrder.LITTLE_ENDIAN);
                        int k = (b * 256 + 128 * n + 32 * j + 16 * p + l) * G;
                        for (int half = 0; half < 2; half++) {
                            IntVector low = ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, half))
                                    .lanewise(VectorOperators.LSHR, 2 * j).and(3);
                            IntVector high = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, half))
                                    .lanewise(VectorOperators.LSHR, 4 * n + j).and(1);
                            IntVector q = low.or(high.lanewise(VectorOperators.LSHL, 2)).sub(4);
                            ((FloatVector) q.convertShape(VectorOperators.I2F, F, 0)).mul(half == 0 ? scale0 : scale1)
                                    .intoArray(buffer, k + half * L);
                        }
                    }
                }
            }
        }
    }
}
