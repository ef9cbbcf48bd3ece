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
 * 0..7 the sub-block minimums, then for each chunk c of 64 columns the scales of sub-blocks 2c
 * and 2c + 1, eight byte vectors of fifth bits and the chunk's 32 bytes of low nibbles, as Q4_K's
 * chunks with the fifth bits between ({@link Q4_KGroups}). Code byte l of a chunk (column
 * 64c + l in its low nibble, 64c + 32 + l in its high one) has its two fifth bits, bits 2c and
 * 2c + 1 of the file's qh[l], at bits 2 (l / 8) and 2 (l / 8) + 1 of fifth-bit vector l % 8.
 *
 * <p>One token is llama.cpp's Q5_K x Q8_K product in integer lanes, a code q being its nibble n
 * plus 16 times its fifth bit f. The nibbles go as Q4_K's: sum (n - 8) x over a sub-block of 32
 * fits 16-bit lanes (|sum| &lt;= 32 * 8 * 127 = 32512), which start at -8 sum(x) and wrap
 * harmlessly meanwhile. The fifth bits add each column's activation code into a second 16-bit
 * lane where the row's bit is set: a mask from one test of the bit (and and compare) and a
 * masked add, where cutting the bit out of the byte and shifting it into the code took five
 * operations per column (measured 1.5x the speed). Per sub-block both widen to 32 bits, and
 * sum n x + 16 sum f x multiplies the scale; the minimums multiply the activations' code sums;
 * per block d_x (d isum - dmin msum). A prompt goes through floats ({@link WidenedGroups}).
 */
final class Q5_KGroups extends WidenedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int CHUNK = 42; // byte vectors per chunk of 64 columns: two scales, eight of fifth bits, 32 of nibbles

    Q5_KGroups(int rows, int cols) {
        super(rows, cols, 2, 8 + 4 * CHUNK);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        Q4_KGroups.readScalesAndMinimums(src, from, r, floats, bytes, CHUNK);
        for (int l = 0; l < 32; l++) {
            int qh = src.get(ValueLayout.JAVA_BYTE, from + 16 + l);
            for (int c = 0; c < 4; c++) { // bits 2c and 2c + 1 of qh[l]: columns 64c + l and 64c + 32 + l
                int two = (qh >>> 2 * c) & 3;
                int at = fifthField(c, l) * G + r;
                bytes[at] = (byte) (bytes[at] & ~(3 << 2 * (l / 8)) | two << 2 * (l / 8));
            }
        }
        for (int i = 0; i < 128; i++) {
            bytes[codeField(i) * G + r] = src.get(ValueLayout.JAVA_BYTE, from + 48 + i);
        }
    }

    private static int scaleField(int j) {
        return Q4_KGroups.scaleField(CHUNK, j);
    }

    private static int codeField(int i) {
        return Q4_KGroups.codeField(CHUNK, i);
    }

    /** The byte vector of chunk c's fifth bits for byte l of its codes: bits 2 (l / 8) and 2 (l / 8) + 1 of it. */
    private static int fifthField(int c, int l) {
        return scaleField(2 * c) + 2 + l % 8;
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
                int sumLo = sums[b * 8 + 2 * c];
                int sumHi = sums[b * 8 + 2 * c + 1];
                ShortVector lo = ShortVector.broadcast(S, (short) (-8 * sumLo)); // sub-block 2c's sum of (n - 8) x
                ShortVector hi = ShortVector.broadcast(S, (short) (-8 * sumHi)); // sub-block 2c + 1's
                ShortVector fifthLo = ShortVector.zero(S);                         // their sums of f x
                ShortVector fifthHi = fifthLo;
                int xc = xo + 64 * c;
                for (int i = 0; i < 4; i++) {
                    byte bitLo = (byte) (1 << 2 * i);
                    byte bitHi = (byte) (2 << 2 * i);
                    for (int l = 8 * i; l < 8 * i + 8; l++) {
                        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                                bytes + (long) codeField(32 * c + l) * G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        ByteVector h = ByteVector.fromMemorySegment(BG, data, bytes + (long) fifthField(c, l) * G,
                                ByteOrder.LITTLE_ENDIAN);
                        ShortVector xLo = ShortVector.broadcast(S, codes[xc + l]);
                        ShortVector xHi = ShortVector.broadcast(S, codes[xc + 32 + l]);
                        lo = lo.add(v.and((short) 0xF).mul(xLo));
                        hi = hi.add(v.lanewise(VectorOperators.LSHR, 4).mul(xHi));
                        fifthLo = fifthLo.add(xLo, h.and(bitLo).compare(VectorOperators.NE, (byte) 0).cast(S));
                        fifthHi = fifthHi.add(xHi, h.and(bitHi).compare(VectorOperators.NE, (byte) 0).cast(S));
                    }
                }
                ByteVector scLo = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(2 * c) * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector scHi = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(2 * c + 1) * G, ByteOrder.LITTLE_ENDIAN);
                i0 = i0.add(((IntVector) lo.convertShape(VectorOperators.S2I, I, 0)).add(8 * sumLo)
                                .add(((IntVector) fifthLo.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 4))
                                .mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)))
                        .add(((IntVector) hi.convertShape(VectorOperators.S2I, I, 0)).add(8 * sumHi)
                                .add(((IntVector) fifthHi.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 4))
                                .mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                i1 = i1.add(((IntVector) lo.convertShape(VectorOperators.S2I, I, 1)).add(8 * sumLo)
                                .add(((IntVector) fifthLo.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 4))
                                .mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)))
                        .add(((IntVector) hi.convertShape(VectorOperators.S2I, I, 1)).add(8 * sumHi)
                                .add(((IntVector) fifthHi.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 4))
                                .mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)));
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
                for (int l = 0; l < 32; l++) {
                    ByteVector v = ByteVector.fromMemorySegment(BG, data, bytes + (long) codeField(32 * c + l) * G,
                            ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(BG, data, bytes + (long) fifthField(c, l) * G,
                            ByteOrder.LITTLE_ENDIAN);
                    int k = (b * 256 + 32 * j + l) * G;
                    for (int part = 0; part < 2; part++) {
                        IntVector nibble = ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part))
                                .lanewise(VectorOperators.LSHR, shift).and(0xF);
                        IntVector fifth = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part))
                                .lanewise(VectorOperators.LSHR, 2 * (l / 8) + j % 2).and(1);
                        IntVector q = nibble.add(fifth.lanewise(VectorOperators.LSHL, 4));
                        FloatVector scale = part == 0 ? s0 : s1;
                        FloatVector min = part == 0 ? m0 : m1;
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(scale).sub(min).intoArray(buffer, k + part * L);
                    }
                }
            }
        }
    }
}
