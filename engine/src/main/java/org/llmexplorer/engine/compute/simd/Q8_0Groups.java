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
 * Q8_0 in row groups ({@link RowGroups}): code vector j holds each row's code of column j, its
 * lanes in pairs: lane 2k holds row k's code, lane 2k + 1 row k + L's ({@link #pairRows}).
 *
 * <p>One token multiplies the 8-bit codes with the activations' 8-bit codes in 16-bit lanes, two
 * groups ({@link PairedGroups}) and two columns at a time (|a b + c d| &lt;= 2 * 128 * 127 = 32512
 * fits 16 bits), and adds each pair into 32-bit lanes, where a block's sum is exact. The 16-bit
 * lanes are widened by reading each pair of them as one 32-bit lane and shifting: the low half
 * (shifted up and back, keeping its sign) is row k's, the high half row k + L's, so rows 0 .. L-1
 * and L .. 2L-1 come out in order. Widened with a conversion per half of the vector instead, the
 * kernel ran at 15 GOP/s against 21-25 on AVX2 (AMD Zen 3, one thread, in cache): the upper half
 * costs a lane-crossing extraction each time. A prompt multiplies the same codes in float lanes,
 * where a block's sum is exact as well.
 */
final class Q8_0Groups extends PairedGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    Q8_0Groups(int rows, int cols) {
        super(rows, cols, BLOCK, 1, 32);
    }

    @Override
    void readBlocks(MemorySegment src, long from, long rowBytes, int rows, float[] floats, byte[] bytes) {
        readScalesAndCodes(src, from, rowBytes, rows, 32, floats, bytes);
        pairRows(bytes, 32);
    }

    @Override
    void matvec2(int ga, int gb, ActivationCodes x, float[] out, int o) {
        short[] codes = x.codes;
        float[] scales = x.scales;
        MemorySegment da = this.data[ga];
        MemorySegment db = this.data[gb];
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            int xo = b * BLOCK;
            IntVector sa0 = IntVector.zero(I);
            IntVector sa1 = sa0;
            IntVector sb0 = sa0;
            IntVector sb1 = sa0;
            for (int j = 0; j < 32; j += 2) {
                long f = at + bytesAt + (long) j * G;
                ShortVector c0 = ShortVector.broadcast(S, codes[xo + j]);
                ShortVector c1 = ShortVector.broadcast(S, codes[xo + j + 1]);
                IntVector pa = ((ShortVector) ByteVector.fromMemorySegment(BG, da, f, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(c0)
                        .add(((ShortVector) ByteVector.fromMemorySegment(BG, da, f + G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.B2S, S, 0)).mul(c1)).reinterpretAsInts();
                IntVector pb = ((ShortVector) ByteVector.fromMemorySegment(BG, db, f, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2S, S, 0)).mul(c0)
                        .add(((ShortVector) ByteVector.fromMemorySegment(BG, db, f + G, ByteOrder.LITTLE_ENDIAN)
                                .convertShape(VectorOperators.B2S, S, 0)).mul(c1)).reinterpretAsInts();
                sa0 = sa0.add(pa.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)); // rows 0 .. L-1
                sa1 = sa1.add(pa.lanewise(VectorOperators.ASHR, 16));                                     // rows L .. 2L-1
                sb0 = sb0.add(pb.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16));
                sb1 = sb1.add(pb.lanewise(VectorOperators.ASHR, 16));
            }
            float d = scales[b];
            a0 = ((FloatVector) sa0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, da, at + floatsAt, ByteOrder.LITTLE_ENDIAN).mul(d), a0);
            a1 = ((FloatVector) sa1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, da, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), a1);
            b0 = ((FloatVector) sb0.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, db, at + floatsAt, ByteOrder.LITTLE_ENDIAN).mul(d), b0);
            b1 = ((FloatVector) sb1.convertShape(VectorOperators.I2F, F, 0))
                    .fma(FloatVector.fromMemorySegment(F, db, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), b1);
        }
        a0.intoArray(out, o + ga * G);
        a1.intoArray(out, o + ga * G + L);
        b0.intoArray(out, o + gb * G);
        b1.intoArray(out, o + gb * G + L);
    }

    /** The codes as floats: the tile applies the scales per block. */
    @Override
    float[] tokens(ActivationCodes codes, int n) {
        return codes.asFloats(n);
    }

    /**
     * Through floats that hold the codes themselves (exact small integers): each block's products
     * sum exactly, then take both scales, as for one token ({@link ColumnTiles#tile4Blocks}). In
     * 16-bit lanes a product of two codes would need widening after every second column.
     */
    @Override
    void tiled(int g0, int g1, ActivationCodes codes, float[] xCodes, int batch, float[] out, Scratch scratch) {
        float[] buffer = scratch.floats(G * cols);
        float[] scales = scratch.moreFloats(G * blocks);
        int stride = paddedRows();
        for (int g = g0; g < g1; g++) {
            codesAsFloats(this.data[g], buffer, scales);
            int t = 0;
            for (; L == 16 && t + 8 <= batch; t += 8) { // eight tokens at a time in AVX-512's registers
                clearRows(out, t * stride + g * G, stride, 8);
                ColumnTiles.tile8Blocks(buffer, scales, blocks, xCodes, codes.scales, t * cols, cols, out,
                        t * stride + g * G, stride);
            }
            for (; t + 4 <= batch; t += 4) {
                ColumnTiles.tile4Blocks(buffer, scales, cols, xCodes, codes.scales, t * cols, cols, out, t * stride + g * G,
                        stride);
            }
            for (; t < batch; t++) {
                ColumnTiles.tile1Blocks(buffer, scales, cols, xCodes, codes.scales, t * cols, out, t * stride + g * G);
            }
        }
    }

    /**
     * A group's codes as floats, column by column (buffer[k * G + r]), and its scales, block by
     * block (scales[b * G + r]): the tile reads both from arrays, which its loops index more
     * cheaply than the group's memory segment.
     */
    private void codesAsFloats(MemorySegment data, float[] buffer, float[] scales) {
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            MemorySegment.copy(data, ValueLayout.JAVA_FLOAT_UNALIGNED, at + floatsAt, scales, b * G, G);
            for (int j = 0; j < 32; j++) {
                ShortVector v = ByteVector.fromMemorySegment(BG, data, at + bytesAt + (long) j * G, ByteOrder.LITTLE_ENDIAN)
                        .reinterpretAsShorts(); // lane k: rows k (low byte) and k + L (high byte)
                int k = (b * BLOCK + j) * G;
                ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8)
                        .convertShape(VectorOperators.S2F, F, 0)).intoArray(buffer, k);
                ((FloatVector) v.lanewise(VectorOperators.ASHR, 8).convertShape(VectorOperators.S2F, F, 0))
                        .intoArray(buffer, k + L);
            }
        }
    }
}
