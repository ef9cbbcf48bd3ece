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

/**
 * Q5_K in row groups ({@link RowGroups}), blocks of 256: float fields d and dmin; byte vectors
 * 0..7 the sub-block minimums, 8..39 the high bits qh[l] inverted (bit 2c of byte l is 1 where
 * column 64c + l's fifth bit is 0, bit 2c + 1 the same for column 64c + 32 + l), then for each
 * chunk c of 64 columns the scales of sub-blocks 2c and 2c + 1 and the chunk's 32 bytes of low
 * nibbles, as Q4_K's ({@link Q4_KGroups}).
 *
 * <p>One token is llama.cpp's Q5_K x Q8_K product in integer lanes. With the fifth bit inverted,
 * a code minus 16 is its nibble minus 16 times the stored bit, so the codes come centred at no
 * cost, and their products with the activations' codes add up in 16-bit lanes sixteen columns at
 * a time (|sum| &lt;= 16 * 16 * 127 = 32512; uncentred, 62992 would not fit). Per sub-block the
 * two halves widen to 32 bits, 16 sum(x) comes back, and the scale multiplies; the minimums
 * multiply the activations' code sums; per block d_x (d isum - dmin msum). A prompt goes through
 * floats ({@link WidenedGroups}).
 */
final class Q5_KGroups extends WidenedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int HIGH = 8;    // the byte vector of qh[0]
    private static final int CHUNKS = 40; // the first chunk's byte vector (as Q4_K's chunks: two scales, 32 nibble bytes)

    Q5_KGroups(int rows, int cols) {
        super(rows, cols, 2, CHUNKS + 4 * Q4_KGroups.CHUNK);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        Q4_KGroups.readScalesAndMinimums(src, from, r, floats, bytes, CHUNKS);
        for (int l = 0; l < 32; l++) {
            bytes[(HIGH + l) * G + r] = (byte) ~src.get(ValueLayout.JAVA_BYTE, from + 16 + l);
        }
        for (int i = 0; i < 128; i++) {
            bytes[codeField(i) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 48 + i);
        }
    }

    private static int scaleField(int j) {
        return Q4_KGroups.scaleField(CHUNKS, j);
    }

    private static int codeField(int i) {
        return Q4_KGroups.codeField(CHUNKS, i);
    }

    @Override
    void matvec(int g, ActivationCodes x, float[] out, int o) {
        short[] codes = x.codes;
        float[] scales = x.scales;
        short[] sums = x.sums;
        MemorySegment data = this.data[g];
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            long bytes = at + bytesAt;
            int xo = b * 256;
            IntVector m0 = IntVector.zero(I);
            IntVector m1 = m0;
            for (int j = 0; j < 8; j++) {
                ByteVector mins = ByteVector.fromMemorySegment(BG, data, bytes + (long) j * G, ByteOrder.LITTLE_ENDIAN);
                int s = sums[b * 8 + j];
                m0 = m0.add(((IntVector) mins.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)).mul(s));
                m1 = m1.add(((IntVector) mins.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)).mul(s));
            }
            IntVector i0 = IntVector.zero(I);
            IntVector i1 = i0;
            for (int c = 0; c < 4; c++) {
                IntVector lo0 = IntVector.zero(I); // sub-block 2c's sum of (q - 16) x: rows 0..L-1, and the rest
                IntVector lo1 = lo0;
                IntVector hi0 = lo0;               // sub-block 2c + 1's
                IntVector hi1 = lo0;
                int xc = xo + 64 * c;
                for (int half = 0; half < 32; half += 16) { // sixteen columns fit 16-bit lanes
                    ShortVector lo = ShortVector.zero(S);
                    ShortVector hi = lo;
                    for (int l = half; l < half + 16; l++) {
                        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                                bytes + (long) codeField(32 * c + l) * G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ShortVector h = ((ShortVector) ByteVector.fromMemorySegment(BG, data,
                                bytes + (long) (HIGH + l) * G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0)).lanewise(VectorOperators.LSHR, 2 * c);
                        ShortVector qLo = v.and((short) 0xF).sub(h.and((short) 1).lanewise(VectorOperators.LSHL, 4));
                        ShortVector qHi = v.lanewise(VectorOperators.LSHR, 4)
                                .sub(h.and((short) 2).lanewise(VectorOperators.LSHL, 3));
                        lo = lo.add(qLo.mul(codes[xc + l]));
                        hi = hi.add(qHi.mul(codes[xc + 32 + l]));
                    }
                    lo0 = lo0.add((IntVector) lo.convertShape(VectorOperators.S2I, I, 0));
                    lo1 = lo1.add((IntVector) lo.convertShape(VectorOperators.S2I, I, 1));
                    hi0 = hi0.add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0));
                    hi1 = hi1.add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1));
                }
                ByteVector scLo = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(2 * c) * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector scHi = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(2 * c + 1) * G, ByteOrder.LITTLE_ENDIAN);
                int backLo = 16 * sums[b * 8 + 2 * c]; // what centring the codes took off
                int backHi = 16 * sums[b * 8 + 2 * c + 1];
                i0 = i0.add(lo0.add(backLo).mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)))
                        .add(hi0.add(backHi).mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                i1 = i1.add(lo1.add(backLo).mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)))
                        .add(hi1.add(backHi).mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)));
            }
            float d = scales[b];
            acc0 = ((FloatVector) i0.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN).mul(d), acc0);
            acc1 = ((FloatVector) i1.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), acc1);
            acc0 = ((FloatVector) m0.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L, ByteOrder.LITTLE_ENDIAN).mul(-d), acc0);
            acc1 = ((FloatVector) m1.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(-d), acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + L);
    }

    /** The values as Q5_KFormat gives them, (d sc) q - (dmin m), each product rounded to float. */
    @Override
    void widen(int g, float[] buffer) {
        MemorySegment data = this.data[g];
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            long bytes = at + bytesAt;
            FloatVector d0 = FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN);
            FloatVector n0 = FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L, ByteOrder.LITTLE_ENDIAN);
            FloatVector n1 = FloatVector.fromMemorySegment(F, data, at + floatsAt + G * 4L + L * 4L, ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < 8; j++) {
                ByteVector sc = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(j) * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector mn = ByteVector.fromMemorySegment(BG, data, bytes + (long) j * G, ByteOrder.LITTLE_ENDIAN);
                FloatVector s0 = d0.mul((FloatVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                        .convert(VectorOperators.I2F, 0));
                FloatVector s1 = d1.mul((FloatVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convert(VectorOperators.I2F, 0));
                FloatVector m0 = n0.mul((FloatVector) mn.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                        .convert(VectorOperators.I2F, 0));
                FloatVector m1 = n1.mul((FloatVector) mn.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convert(VectorOperators.I2F, 0));
                int c = j / 2;
                int shift = 4 * (j % 2); // even sub-blocks in the low nibbles
                int bit = j;              // sub-block j's fifth bits: bit j of qh (2c, or 2c + 1)
                for (int l = 0; l < 32; l++) {
                    ByteVector v = ByteVector.fromMemorySegment(BG, data, bytes + (long) codeField(32 * c + l) * G,
                            ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(BG, data, bytes + (long) (HIGH + l) * G, ByteOrder.LITTLE_ENDIAN);
                    int k = (b * 256 + 32 * j + l) * G;
                    for (int part = 0; part < 2; part++) {
                        IntVector nibble = ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part))
                                .lanewise(VectorOperators.LSHR, shift).and(0xF);
                        IntVector notFifth = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part))
                                .lanewise(VectorOperators.LSHR, bit).and(1);
                        IntVector q = nibble.add(16).sub(notFifth.lanewise(VectorOperators.LSHL, 4));
                        FloatVector scale = part == 0 ? s0 : s1;
                        FloatVector min = part == 0 ? m0 : m1;
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).sub(min).intoArray(buffer, k + part * L);
                    }
                }
            }
        }
    }
}
