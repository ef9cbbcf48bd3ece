package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * A Q4_0 matrix repacked with the rows of a group side by side ({@link #G} rows, as many as a
 * vector has 16-bit lanes), so that one vector lane is one row: as llama.cpp's CPU backend
 * repacks Q4_0 for its SIMD kernels. Per group and block of 32 columns: the G rows' scales as
 * floats, then 16 vectors of G bytes, byte r of vector j holding row r's code of column j (low
 * nibble) and of column j + 16 (high nibble), as a Q4_0 block pairs them.
 *
 * <p>One token ({@link #matvec}) multiplies the 4-bit codes with the activations' 8-bit codes
 * ({@link Q8_0Codes}) in 16-bit integer lanes: one multiply and one add serve G rows, the block's
 * sum is exact (|sum| &lt;= 32 * 8 * 127 = 32512 fits 16 bits), and it is widened to float once per
 * block, times the two scales. The offset of 8 is taken off once per block with the activations'
 * code sums; the integer sums wrap modulo 2^16 meanwhile, which is harmless since the true result
 * fits. This is the integer arithmetic of llama.cpp's Q4_0 x Q8_0 dot product, and about twice
 * the speed of widening each code to a float in place (codes of one row side by side need a lane
 * sum per block, which costs more than the block's arithmetic). Several tokens (a prompt) widen a
 * group to floats, column by column ({@link #dequantize}), for {@link ColumnTiles}.
 *
 * <p>The repacked copy lives off the heap; the file's own bytes are read once, to make it.
 */
final class Q4_0Groups {
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 32));
    /** Rows per group: 16-bit lanes per vector (twice the float lanes, so two float vectors a group). */
    static final int G = S.length();
    private static final VectorSpecies<Byte> BG = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;
    /** Bytes per group and block: G float scales, 16 vectors of G bytes. */
    private static final long GROUP_BLOCK = G * 4L + 16L * G;

    /** One segment per group, allocated by the thread that fills it (first touch is slow on some machines). */
    private final MemorySegment[] data;
    final int rows;
    final int cols;
    final int groups;
    private final int blocks;

    private Q4_0Groups(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.groups = (rows + G - 1) / G;
        this.blocks = cols / BLOCK;
        this.data = new MemorySegment[groups];
    }

    /**
     * Repacks w (Q4_0), groups spread over the threads; rows past the end of the last group are
     * zero. Where w lies in a mapped file, its pages are then unloaded, so that the process holds
     * the model once, not twice (the file stays in the page cache; an embedding lookup that
     * reads a row of it again pages that row back in).
     */
    static Q4_0Groups pack(WeightMatrix w, Parallel parallel) {
        Q4_0Groups packed = new Q4_0Groups(w.rows(), w.cols());
        int blocks = packed.blocks;
        MemorySegment src = w.data();
        long rowBytes = w.rowBytes();
        Arena arena = Arena.ofAuto(); // freed with the last group no longer reachable
        parallel.forEach(packed.groups, (g, worker) -> {
            MemorySegment group = arena.allocate(blocks * GROUP_BLOCK, 64);
            packed.data[g] = group;
            byte[] codes = new byte[16 * G];
            float[] scales = new float[G];
            for (int b = 0; b < blocks; b++) {
                for (int r = 0; r < G && g * G + r < w.rows(); r++) {
                    long from = (g * G + r) * rowBytes + (long) b * BLOCK_BYTES;
                    scales[r] = Float.float16ToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, from));
                    long lo = src.get(LONG, from + 2);
                    long hi = src.get(LONG, from + 10);
                    for (int j = 0; j < 8; j++) {
                        codes[j * G + r] = (byte) (lo >>> 8 * j);
                        codes[(j + 8) * G + r] = (byte) (hi >>> 8 * j);
                    }
                }
                long to = b * GROUP_BLOCK;
                MemorySegment.copy(scales, 0, group, ValueLayout.JAVA_FLOAT_UNALIGNED, to, G);
                MemorySegment.copy(codes, 0, group, ValueLayout.JAVA_BYTE, to + G * 4L, 16 * G);
            }
        });
        if (src.isMapped()) {
            src.unload(); // the file's pages are not read again: let the process hand them back
        }
        return packed;
    }

    /** Bytes of the repacked copy. */
    long byteSize() {
        return groups * blocks * GROUP_BLOCK;
    }

    /**
     * Groups [g0, g1) times one token's codes: rows g*G .. g*G + G - 1 of out[o ..] (out has
     * room for whole groups: see {@link #paddedRows}).
     */
    void matvec(int g0, int g1, Q8_0Codes x, float[] out, int o) {
        short[] codes = x.codes;
        float[] scales = x.scales;
        short[] offset = x.offset;
        for (int g = g0; g < g1; g++) {
            MemorySegment data = this.data[g];
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int b = 0; b < blocks; b++) {
                long at = b * GROUP_BLOCK;
                int xo = b * BLOCK;
                ShortVector sum = ShortVector.zero(S);
                for (int j = 0; j < 16; j++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(BG, data, at + G * 4L + (long) j * G,
                            ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    sum = sum.add(v.and((short) 0xF).mul(codes[xo + j]));
                    sum = sum.add(v.lanewise(VectorOperators.LSHR, 4).mul(codes[xo + 16 + j]));
                }
                sum = sum.sub(offset[b]);
                float d = scales[b];
                FloatVector s0 = (FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 0))
                        .convert(VectorOperators.I2F, 0);
                FloatVector s1 = (FloatVector) ((IntVector) sum.convertShape(VectorOperators.S2I, I, 1))
                        .convert(VectorOperators.I2F, 0);
                acc0 = s0.fma(FloatVector.fromMemorySegment(F, data, at, ByteOrder.LITTLE_ENDIAN).mul(d), acc0);
                acc1 = s1.fma(FloatVector.fromMemorySegment(F, data, at + L * 4L, ByteOrder.LITTLE_ENDIAN).mul(d), acc1);
            }
            acc0.intoArray(out, o + g * G);
            acc1.intoArray(out, o + g * G + L);
        }
    }

    /**
     * Groups [g0, g1) times batch tokens of x (rounded to Q8_0 values): each group widened to
     * floats in buffer (G * cols floats), then four tokens at a time; out as in {@link #matvec},
     * token t at out[t * paddedRows() ..].
     */
    void tiled(int g0, int g1, float[] x, int batch, float[] out, float[] buffer) {
        int stride = paddedRows();
        for (int g = g0; g < g1; g++) {
            dequantize(g, buffer);
            int t = 0;
            for (; t + 4 <= batch; t += 4) {
                ColumnTiles.tile4(buffer, cols, x, t * cols, cols, out, t * stride + g * G, stride);
            }
            for (; t < batch; t++) {
                ColumnTiles.tile1(buffer, cols, x, t * cols, out, t * stride + g * G);
            }
        }
    }

    /** Rows rounded up to whole groups. */
    int paddedRows() {
        return groups * G;
    }

    /** Group g widened to floats column by column: buffer[k * G + r] = row g*G + r, column k. */
    void dequantize(int g, float[] buffer) {
        MemorySegment data = this.data[g];
        for (int b = 0; b < blocks; b++) {
            long at = b * GROUP_BLOCK;
            FloatVector d0 = FloatVector.fromMemorySegment(F, data, at, ByteOrder.LITTLE_ENDIAN);
            FloatVector d1 = FloatVector.fromMemorySegment(F, data, at + L * 4L, ByteOrder.LITTLE_ENDIAN);
            for (int j = 0; j < 16; j++) {
                ByteVector v = ByteVector.fromMemorySegment(BG, data, at + G * 4L + (long) j * G, ByteOrder.LITTLE_ENDIAN);
                IntVector q0 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
                IntVector q1 = (IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 1);
                int lo = (b * BLOCK + j) * G;
                int hi = lo + 16 * G;
                ((FloatVector) q0.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(buffer, lo);
                ((FloatVector) q1.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(buffer, lo + L);
                ((FloatVector) q0.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d0)
                        .intoArray(buffer, hi);
                ((FloatVector) q1.lanewise(VectorOperators.LSHR, 4).sub(8).convert(VectorOperators.I2F, 0)).mul(d1)
                        .intoArray(buffer, hi + L);
            }
        }
    }
}
