package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * A Q4_0 or Q8_0 matrix repacked with the rows of a group side by side ({@link #G} rows, as many
 * as a vector has 16-bit lanes), so that one vector lane is one row, as llama.cpp's CPU backend
 * repacks weights for its SIMD kernels. Per group and block of 32 columns: the G rows' scales as
 * floats, then the block's code bytes, one vector of G bytes per byte of a block (vector j holds
 * byte j of each row's block: 16 for Q4_0, 32 for Q8_0).
 *
 * <p>With one lane per row, a kernel multiplies a vector of G rows' codes by one activation,
 * broadcast, and every block's sum stays in lanes until the scales are applied: nothing is
 * summed across lanes. The codes of one row side by side, as the file keeps them, need a lane
 * sum per block or else a float per code, and either costs more than the block's arithmetic
 * (about twice the time, measured). One token ({@link #matvec}) multiplies the codes with the
 * activations' 8-bit codes ({@link Q8_0Codes}) in integer lanes, the arithmetic of llama.cpp's
 * dot products: block sums exact, then widened to floats once per block, times both scales.
 * Several tokens (a prompt) unpack a group once, column by column, and multiply it with four
 * tokens at a time ({@link #tiled}).
 *
 * <p>The repacked copy lives off the heap. The file's bytes are read once, to make it, and then
 * unloaded, so that the process holds the weights once, not twice (the file stays in the page
 * cache; an embedding lookup that reads a row of it again pages that row back in).
 */
abstract class RowGroups {
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 32));
    /** Rows per group: 16-bit lanes per vector (twice the float lanes, so two float vectors a group). */
    static final int G = S.length();
    static final VectorSpecies<Byte> BG = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    static final int BLOCK = 32;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** One segment per group, allocated by the thread that fills it (first touch is slow on some machines). */
    final MemorySegment[] data;
    final int rows;
    final int cols;
    final int groups;
    final int blocks;
    /** Code bytes per block and row. */
    final int codeBytes;
    /** Bytes per group and block: G float scales, then codeBytes vectors of G bytes. */
    final long groupBlock;

    RowGroups(int rows, int cols, int codeBytes) {
        this.rows = rows;
        this.cols = cols;
        this.groups = (rows + G - 1) / G;
        this.blocks = cols / BLOCK;
        this.codeBytes = codeBytes;
        this.groupBlock = G * 4L + (long) codeBytes * G;
        this.data = new MemorySegment[groups];
    }

    /** Whether matrices of this type go through row groups. */
    static boolean handles(GgmlType type) {
        return type == GgmlType.Q4_0 || type == GgmlType.Q8_0;
    }

    /** Repacks w, groups spread over the threads; rows past the end of the last group are zero. */
    static RowGroups pack(WeightMatrix w, Parallel parallel) {
        RowGroups packed = switch (w.type()) {
            case Q4_0 -> new Q4_0Groups(w.rows(), w.cols());
            case Q8_0 -> new Q8_0Groups(w.rows(), w.cols());
            default -> throw new IllegalArgumentException("no row groups for " + w.type());
        };
        MemorySegment src = w.data();
        long rowBytes = w.rowBytes();
        long blockBytes = 2 + packed.codeBytes; // an fp16 scale, then the codes
        int blocks = packed.blocks;
        int codeBytes = packed.codeBytes;
        Arena arena = Arena.ofAuto(); // freed once no group is reachable
        parallel.forEach(packed.groups, (g, worker) -> {
            MemorySegment group = arena.allocate(blocks * packed.groupBlock, 64);
            packed.data[g] = group;
            byte[] codes = new byte[codeBytes * G];
            float[] scales = new float[G];
            for (int b = 0; b < blocks; b++) {
                for (int r = 0; r < G && g * G + r < w.rows(); r++) {
                    long from = (g * G + r) * rowBytes + b * blockBytes;
                    scales[r] = Float.float16ToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, from));
                    for (int j = 0; j < codeBytes; j += 8) {
                        long eight = src.get(LONG, from + 2 + j);
                        for (int k = 0; k < 8; k++) {
                            codes[(j + k) * G + r] = (byte) (eight >>> 8 * k);
                        }
                    }
                }
                long to = b * packed.groupBlock;
                MemorySegment.copy(scales, 0, group, ValueLayout.JAVA_FLOAT_UNALIGNED, to, G);
                MemorySegment.copy(codes, 0, group, ValueLayout.JAVA_BYTE, to + G * 4L, codeBytes * G);
            }
        });
        if (src.isMapped()) {
            src.unload();
        }
        return packed;
    }

    /** Bytes of the repacked copy. */
    long byteSize() {
        return groups * blocks * groupBlock;
    }

    /** Rows rounded up to whole groups. */
    int paddedRows() {
        return groups * G;
    }

    /**
     * Groups [g0, g1) times one token's codes: rows g*G .. g*G + G - 1 at out[o + g*G ..] (out
     * has room for whole groups: see {@link #paddedRows}).
     */
    abstract void matvec(int g0, int g1, Q8_0Codes x, float[] out, int o);

    /**
     * Groups [g0, g1) times batch (4 or more) tokens, given both as codes and as the Q8_0 values
     * they stand for (x); token t's rows at out[t * paddedRows() ..]. {@code scratch} is the
     * calling worker's own.
     */
    abstract void tiled(int g0, int g1, Q8_0Codes codes, float[] x, int batch, float[] out, Scratch scratch);

    /** A worker's buffers for {@link #tiled}, grown on demand. */
    static final class Scratch {
        private float[] floats = new float[0];
        private short[] shorts = new short[0];

        float[] floats(int n) {
            return floats.length >= n ? floats : (floats = new float[n]);
        }

        short[] shorts(int n) {
            return shorts.length >= n ? shorts : (shorts = new short[n]);
        }
    }
}
