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
 * Q4_K in row groups ({@link RowGroups}), blocks of 256: float fields d and dmin; byte vectors
 * 0..7 the sub-block minimums, then for each chunk c of 64 columns the scales of sub-blocks 2c
 * and 2c + 1 and the chunk's 32 code bytes (byte l: column 64c + l in the low nibble, 64c + 32 + l
 * in the high one), in the order the kernel reads them. Scales and minimums have 6 bits each,
 * unpacked from the file's twelve bytes.
 *
 * <p>One token is llama.cpp's Q4_K x Q8_K product in integer lanes: each sub-block's sum of
 * codes times the activations' codes in 16-bit lanes, sixteen columns at a time (|sum| &lt;= 16 * 15
 * * 127 = 30480), widened to 32 bits and multiplied by the sub-block's scale; the minimums
 * multiply the activations' code sums; per block d_x (d isum - dmin msum). A prompt takes the
 * same integer sums, per sub-block of 32 as Q4_0's blocks, four tokens at a time
 * ({@link CodeTiles}).
 */
final class Q4_KGroups extends RowGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int CHUNK = 34; // byte vectors per chunk of 64 columns: two scales, 32 codes
    private static final int CHUNKS = 8; // the first chunk's byte vector, after the minimums

    Q4_KGroups(int rows, int cols) {
        super(rows, cols, 256, 2, 16 + 128);
    }

    /** Scales and minimums row by row; the code bytes eight rows by eight at a time ({@link #transpose8}). */
    @Override
    void readBlocks(MemorySegment src, long from, long rowBytes, int rows, float[] floats, byte[] bytes) {
        for (int r = 0; r < rows; r++) {
            readScalesAndMinimums(src, from + r * rowBytes, r, floats, bytes, CHUNK);
        }
        for (int r0 = 0; r0 < G; r0 += 8) {
            for (int j = 0; j < 128; j += 8) { // eight code bytes stay within a chunk: consecutive fields
                transpose8(src, from + 16 + j + r0 * rowBytes, rowBytes, rows - r0, bytes, codeField(j) * G + r0);
            }
        }
    }

    /**
     * A Q4_K or Q5_K block's d and dmin (float fields 0 and 1) and its eight 6-bit sub-block
     * minimums (byte vectors 0..7) and scales (in the chunks of {@code chunk} byte vectors that
     * follow), from the file's block at src[from], into lane r. Q5_K keeps Q4_K's layout with
     * its fifth bits in each chunk between the scales and the codes.
     */
    static void readScalesAndMinimums(MemorySegment src, long from, int r, float[] floats, byte[] bytes, int chunk) {
        floats[r] = Blocks.half(src, from);
        floats[G + r] = Blocks.half(src, from + 2);
        for (int j = 0; j < 8; j++) {
            int scaleMin = Blocks.scaleMinK4(src, from + 4, j);
            bytes[j * G + r] = (byte) scaleMin;
            bytes[scaleField(chunk, j) * G + r] = (byte) (scaleMin >>> 8);
        }
    }

    /** The byte vector of sub-block j's scale, in chunks of {@code chunk} byte vectors after the minimums. */
    static int scaleField(int chunk, int j) {
        return CHUNKS + chunk * (j / 2) + j % 2;
    }

    /** The byte vector of code byte i (chunk i / 32, byte i % 32): a chunk's last 32 byte vectors. */
    static int codeField(int chunk, int i) {
        return CHUNKS + chunk * (i / 32) + chunk - 32 + i % 32;
    }

    private static int scaleField(int j) {
        return scaleField(CHUNK, j);
    }

    private static int codeField(int i) {
        return codeField(CHUNK, i);
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
                ByteVector scLo = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(2 * c) * G, ByteOrder.LITTLE_ENDIAN);
                ByteVector scHi = ByteVector.fromMemorySegment(BG, data, bytes + (long) scaleField(2 * c + 1) * G, ByteOrder.LITTLE_ENDIAN);
                ShortVector lo1 = ShortVector.zero(S);
                ShortVector hi1 = lo1;
                ShortVector lo2 = lo1;
                ShortVector hi2 = lo1;
                int xc = xo + 64 * c;
                for (int l = 0; l < 16; l++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                            bytes + (long) codeField(32 * c + l) * G, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo1 = lo1.add(v.and((short) 0xF).mul(codes[xc + l]));
                    hi1 = hi1.add(v.lanewise(VectorOperators.LSHR, 4).mul(codes[xc + 32 + l]));
                }
                for (int l = 16; l < 32; l++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                            bytes + (long) codeField(32 * c + l) * G, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    lo2 = lo2.add(v.and((short) 0xF).mul(codes[xc + l]));
                    hi2 = hi2.add(v.lanewise(VectorOperators.LSHR, 4).mul(codes[xc + 32 + l]));
                }
                i0 = i0.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0))
                        .add((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0))
                        .mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                i0 = i0.add(((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0))
                        .add((IntVector) hi2.convertShape(VectorOperators.S2I, I, 0))
                        .mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)));
                i1 = i1.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1))
                        .add((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1))
                        .mul((IntVector) scLo.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)));
                i1 = i1.add(((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1))
                        .add((IntVector) hi2.convertShape(VectorOperators.S2I, I, 1))
                        .mul((IntVector) scHi.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)));
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

    /** Nothing: the tile takes the codes themselves. */
    @Override
    float[] tokens(ActivationCodes codes, int n) {
        return null;
    }

    /**
     * Each group's codes unpacked once to 16-bit lanes, column by column, with each sub-block's
     * scale d sc and offset 8 d sc - dmin m per row, then {@link CodeTiles}: the integer sums of
     * one token, in 16-bit lanes, four tokens at a time.
     */
    @Override
    void tiled(int g0, int g1, ActivationCodes codes, float[] tokens, int batch, float[] out, Scratch scratch) {
        short[] buffer = scratch.shorts(G * cols);
        float[] scales = scratch.floats(G * (cols / BLOCK));
        float[] offsets = scratch.moreFloats(G * (cols / BLOCK));
        int stride = paddedRows();
        for (int g = g0; g < g1; g++) {
            unpack(g, buffer, scales, offsets);
            int t = 0;
            for (; t + 4 <= batch; t += 4) {
                CodeTiles.tile4(buffer, scales, offsets, cols, codes, t * cols, cols, out, t * stride + g * G, stride);
            }
            for (; t < batch; t++) {
                CodeTiles.tile1(buffer, scales, offsets, cols, codes, t * cols, out, t * stride + g * G);
            }
        }
    }

    /**
     * Group g's codes to 16-bit lanes, column by column (buffer[k * G + r], 0..15), and per
     * sub-block of 32 columns j and row r: scales[j * G + r] = d sc, offsets[j * G + r] = 8 d sc -
     * dmin m.
     */
    private void unpack(int g, short[] buffer, float[] scales, float[] offsets) {
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
                        .convertShape(VectorOperators.I2F, F, 0));
                FloatVector s1 = d1.mul((FloatVector) sc.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convertShape(VectorOperators.I2F, F, 0));
                FloatVector m0 = n0.mul((FloatVector) mn.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                        .convertShape(VectorOperators.I2F, F, 0));
                FloatVector m1 = n1.mul((FloatVector) mn.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1)
                        .convertShape(VectorOperators.I2F, F, 0));
                int at32 = (b * 8 + j) * G;
                s0.intoArray(scales, at32);
                s1.intoArray(scales, at32 + L);
                s0.mul(8f).sub(m0).intoArray(offsets, at32);
                s1.mul(8f).sub(m1).intoArray(offsets, at32 + L);
            }
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data,
                            bytes + (long) codeField(32 * c + l) * G, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    int k = b * 256 + 64 * c + l;
                    v.and((short) 0xF).intoArray(buffer, k * G);
                    v.lanewise(VectorOperators.LSHR, 4).intoArray(buffer, (k + 32) * G);
                }
            }
        }
    }
}
