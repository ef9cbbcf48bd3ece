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
 * chunks with the fifth bits between ({@link Q4_KGroups}), in the order the kernel reads them.
 * Fifth-bit vector k of chunk c holds in bit t the fifth bit of column 64c + 4k + t and in bit
 * 4 + t that of column 64c + 32 + 4k + t (from bits 2c and 2c + 1 of the file's qh[4k + t]).
 *
 * <p>One token is llama.cpp's Q5_K x Q8_K product in integer lanes, a code q being its nibble n
 * plus 16 times its fifth bit f. Each half sub-block (sixteen columns) sums (q - 16) x in one 16-bit
 * lane (|sum| &lt;= 16 * 16 * 127 = 32512), which starts at -16 sum(x) and wraps harmlessly
 * meanwhile: the nibbles' products n x as Q4_K's, and the fifth bits of four columns, a 4-bit
 * number per row, as an index into sixteen times the subset sums of those columns' activation
 * codes ({@link ActivationCodes#subsets}): one vector permutation gives every row's 16 sum f x
 * over the four columns (of one table vector where 16 lanes hold the sixteen sums; with 8-lane
 * vectors of two, whose permutation costs more: in cache 35-40 against 49-54 GFLOP/s). Cutting each bit out and adding (or masking) per column cost more than
 * the nibbles' own products (the kernel ran at half of Q4_K's speed; now at three quarters, and
 * near the memory's pace at one thread). The halves widen to 32 bits, 16 sum(x) is added back,
 * and the sub-block's scale multiplies them; the minimums multiply the activations' code sums;
 * per block d_x (d isum - dmin msum). A prompt goes through floats ({@link WidenedGroups}).
 */
final class Q5_KGroups extends WidenedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int CHUNK = 42; // byte vectors per chunk of 64 columns: two scales, eight of fifth bits, 32 of nibbles
    /**
     * The first chunk's byte vector. The kernel computes its offsets inline: calls to the field
     * helpers, past C2's node budget for inlining (NodeCountInliningCutoff), stayed calls inside
     * the loops, and the vectors were spilled around each (half the speed).
     */
    private static final int FIRST_CHUNK = scaleField(0);
    /** Where in a chunk its fifth bits and its codes start (the two scales first). */
    private static final int FIFTHS = 2;
    private static final int CODES = 10;

    Q5_KGroups(int rows, int cols) {
        super(rows, cols, 2, 8 + 4 * CHUNK);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        Q4_KGroups.readScalesAndMinimums(src, from, r, floats, bytes, CHUNK);
        for (int l = 0; l < 32; l++) {
            int qh = src.get(ValueLayout.JAVA_BYTE, from + 16 + l);
            for (int c = 0; c < 4; c++) { // bits 2c and 2c + 1 of qh[l]: columns 64c + l and 64c + 32 + l
                int lo = (qh >>> 2 * c) & 1;
                int hi = (qh >>> 2 * c + 1) & 1;
                int at = fifthField(c, l / 4) * G + r;
                bytes[at] = (byte) (bytes[at] & ~(0x11 << l % 4) | lo << l % 4 | hi << 4 + l % 4);
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
        return FIRST_CHUNK + CHUNK * (i / 32) + CODES + i % 32;
    }

    /**
     * The byte vector of chunk c's fifth bits for its code bytes 4k .. 4k + 3: bit t the fifth
     * bit of column 64c + 4k + t, bit 4 + t that of column 64c + 32 + 4k + t.
     */
    private static int fifthField(int c, int k) {
        return FIRST_CHUNK + CHUNK * c + FIFTHS + k;
    }

    /** One token's fifth bits are looked up in its codes' subset sums. */
    @Override
    void prepare(ActivationCodes x, int n) {
        x.subsetSums(n);
    }

    @Override
    void matvec(int g, ActivationCodes x, float[] out, int o) {
        short[] codes = x.codes;
        float[] scales = x.scales;
        short[] sums = x.sums;
        short[] sums8 = x.sums8;
        short[] subsets = x.subsets;
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
                int xc = xo + 64 * c;
                long chunk = bytes + (long) (FIRST_CHUNK + CHUNK * c) * G; // its scales, fifth bits, codes
                IntVector lo0 = IntVector.zero(I); // sub-block 2c's sum of q x, rows 0..L-1 and L..G-1
                IntVector lo1 = lo0;
                IntVector hi0 = lo0;               // sub-block 2c + 1's
                IntVector hi1 = lo0;
                for (int half = 0; half < 2; half++) { // columns 16 half .. 16 half + 15 of each sub-block
                    int e = (xc + 16 * half) / 8;
                    // sum (q - 16) x over sixteen columns fits 16 bits; the lanes start at -16 sum(x)
                    ShortVector lo = ShortVector.broadcast(S, (short) (-16 * (sums8[e] + sums8[e + 1])));
                    ShortVector hi = ShortVector.broadcast(S, (short) (-16 * (sums8[e + 4] + sums8[e + 5])));
                    for (int k = 4 * half; k < 4 * half + 4; k++) { // four columns' fifth bits pick 16 sum f x
                        ShortVector h = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                                chunk + (long) (FIFTHS + k) * G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        int tl = 4 * (xc + 4 * k);
                        int th = 4 * (xc + 32 + 4 * k);
                        if (G >= 16) { // the sixteen sums fit one vector
                            lo = lo.add(h.and((short) 0xF).selectFrom(ShortVector.fromArray(S, subsets, tl)));
                            hi = hi.add(h.lanewise(VectorOperators.LSHR, 4).selectFrom(ShortVector.fromArray(S, subsets, th)));
                        } else {
                            lo = lo.add(h.and((short) 0xF).selectFrom(ShortVector.fromArray(S, subsets, tl),
                                    ShortVector.fromArray(S, subsets, tl + G)));
                            hi = hi.add(h.lanewise(VectorOperators.LSHR, 4).selectFrom(ShortVector.fromArray(S, subsets, th),
                                    ShortVector.fromArray(S, subsets, th + G)));
                        }
                    }
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                                chunk + (long) (CODES + l) * G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                        lo = lo.add(v.and((short) 0xF).mul(codes[xc + l]));
                        hi = hi.add(v.lanewise(VectorOperators.LSHR, 4).mul(codes[xc + 32 + l]));
                    }
                    lo0 = lo0.add((IntVector) lo.convertShape(VectorOperators.S2I, I, 0));
                    lo1 = lo1.add((IntVector) lo.convertShape(VectorOperators.S2I, I, 1));
                    hi0 = hi0.add((IntVector) hi.convertShape(VectorOperators.S2I, I, 0));
                    hi1 = hi1.add((IntVector) hi.convertShape(VectorOperators.S2I, I, 1));
                }
                int sumLo = 16 * sums[b * 8 + 2 * c];
                int sumHi = 16 * sums[b * 8 + 2 * c + 1];
                ByteVector scLo = ByteVector.fromMemorySegment(BG, data, chunk, ByteOrder.LITTLE_ENDIAN);
                ByteVector scHi = ByteVector.fromMemorySegment(BG, data, chunk + G, ByteOrder.LITTLE_ENDIAN);
                i0 = i0.add(lo0.add(sumLo).mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)))
                        .add(hi0.add(sumHi).mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                i1 = i1.add(lo1.add(sumLo).mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)))
                        .add(hi1.add(sumHi).mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)));
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
                int c = j / 2;
                long chunk = bytes + (long) (FIRST_CHUNK + CHUNK * c) * G;
                ByteVector sc = ByteVector.fromMemorySegment(BG, data, chunk + (long) (j % 2) * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector mn = ByteVector.fromMemorySegment(BG, data, bytes + (long) j * G, ByteOrder.LITTLE_ENDIAN);
                FloatVector s0 = d0.mul((FloatVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                        .convertShape(VectorOperators.I2F, F, 0));
                FloatVector s1 = d1.mul((FloatVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convertShape(VectorOperators.I2F, F, 0));
                FloatVector m0 = n0.mul((FloatVector) mn.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                        .convertShape(VectorOperators.I2F, F, 0));
                FloatVector m1 = n1.mul((FloatVector) mn.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convertShape(VectorOperators.I2F, F, 0));
                int shift = 4 * (j % 2); // even sub-blocks in the low nibbles
                for (int l = 0; l < 32; l++) {
                    ByteVector v = ByteVector.fromMemorySegment(BG, data, chunk + (long) (CODES + l) * G, ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(BG, data, chunk + (long) (FIFTHS + l / 4) * G, ByteOrder.LITTLE_ENDIAN);
                    int k = (b * 256 + 32 * j + l) * G;
                    for (int part = 0; part < 2; part++) {
                        IntVector nibble = ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part))
                                .lanewise(VectorOperators.LSHR, shift).and(0xF);
                        IntVector fifth = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part))
                                .lanewise(VectorOperators.LSHR, l % 4 + 4 * (j % 2)).and(1);
                        IntVector q = nibble.add(fifth.lanewise(VectorOperators.LSHL, 4));
                        FloatVector scale = part == 0 ? s0 : s1;
                        FloatVector min = part == 0 ? m0 : m1;
                        ((FloatVector) q.convertShape(VectorOperators.I2F, F, 0)).mul(scale).sub(min).intoArray(buffer, k + part * L);
                    }
                }
            }
        }
    }
}
