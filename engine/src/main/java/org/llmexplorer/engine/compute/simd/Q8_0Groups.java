package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q8_0 in row groups ({@link RowGroups}): code vector j holds each row's code of column j.
 *
 * <p>One token multiplies the 8-bit codes with the activations' 8-bit codes in 16-bit lanes, two
 * columns at a time (|a b + c d| &lt;= 2 * 127 * 127 = 32258 fits 16 bits), and adds each pair
 * into 32-bit lanes, where a block's sum is exact. A prompt multiplies the same codes in float
 * lanes, where a block's sum is exact as well.
 */
final class Q8_0Groups extends RowGroups {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    Q8_0Groups(int rows, int cols) {
        super(rows, cols, BLOCK, 1, 32);
    }

    @Override
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        readScaleAndCodes(src, from, r, 32, floats, bytes);
    }

    @Override
    void matvec(int g, ActivationCodes x, float[] out, int o) {
        short[] codes = x.codes;
        float[] scales = x.scales;
        MemorySegment data = this.data[g];
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            int xo = b * BLOCK;
            IntVector sum0 = IntVector.zero(I);
            IntVector sum1 = sum0;
            for (int j = 0; j < 32; j += 2) {
                ShortVector v0 = (ShortVector) ByteVector.fromMemorySegment(BG, data, at + bytesAt + (long) j * G,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S, 0);
                ShortVector v1 = (ShortVector) ByteVector.fromMemorySegment(BG, data, at + bytesAt + (long) (j + 1) * G,
                        ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, S, 0);
                ShortVector pair = v0.mul(codes[xo + j]).add(v1.mul(codes[xo + j + 1]));
                sum0 = sum0.add((IntVector) pair.convertShape(VectorOperators.S2I, I, 0));
                sum1 = sum1.add((IntVector) pair.convertShape(VectorOperators.S2I, I, 1));
            }
            float d = scales[b];
            acc0 = ((FloatVector) sum0.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt, ByteOrder.LITTLE_ENDIAN).mul(d), acc0);
            acc1 = ((FloatVector) sum1.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, data, at + floatsAt + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), acc1);
        }
        acc0.intoArray(out, o);
        acc1.intoArray(out, o + L);
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
        int stride = paddedRows();
        for (int g = g0; g < g1; g++) {
            MemorySegment data = this.data[g];
            codesAsFloats(data, buffer);
            int t = 0;
            for (; t + 4 <= batch; t += 4) {
                ColumnTiles.tile4Blocks(buffer, data, groupBlock, floatsAt, cols, xCodes, codes.scales, t * cols, cols, out,
                        t * stride + g * G, stride);
            }
            for (; t < batch; t++) {
                ColumnTiles.tile1Blocks(buffer, data, groupBlock, floatsAt, cols, xCodes, codes.scales, t * cols, out,
                        t * stride + g * G);
            }
        }
    }

    /** A group's codes as floats, column by column: buffer[k * G + r]. */
    private void codesAsFloats(MemorySegment data, float[] buffer) {
        for (int b = 0; b < blocks; b++) {
            long at = b * groupBlock;
            for (int j = 0; j < 32; j++) {
                ByteVector v = ByteVector.fromMemorySegment(BG, data, at + bytesAt + (long) j * G, ByteOrder.LITTLE_ENDIAN);
                int k = (b * BLOCK + j) * G;
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).intoArray(buffer, k);
                ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).intoArray(buffer, k + L);
            }
        }
    }
}
