package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * A Q4_0, Q8_0 or K-quant (Q2_K to Q6_K) matrix repacked with the rows of a group side by side ({@link #G} rows,
 * as many as a vector has 16-bit lanes), so that one vector lane is one row, as llama.cpp's CPU
 * backend repacks weights for its SIMD kernels. Per group and block (32 columns, 256 for the K-quants):
 * the block's bytes, one vector of G bytes per byte of a row's block (vector j holds byte j of
 * each row: 16 codes for Q4_0, 32 for Q8_0; the K-quants' codes and sub-block scales), then
 * the G rows' float fields (scales), one vector of G floats each.
 *
 * <p>With one lane per row, a kernel multiplies a vector of G rows' codes by one activation,
 * broadcast, and every block's sum stays in lanes until the scales are applied: nothing is
 * summed across lanes. The codes of one row side by side, as the file keeps them, need a lane
 * sum per block or else a float per code, and either costs more than the block's arithmetic
 * (about twice the time, measured). One token ({@link #matvec}) multiplies the codes with the
 * activations' 8-bit codes ({@link ActivationCodes}) in integer lanes, the arithmetic of llama.cpp's
 * dot products: block sums exact, then widened to floats once per block, times both scales.
 * Several tokens (a prompt) unpack a group once, column by column, and multiply it with four
 * tokens at a time, or eight where vectors have 16 float lanes ({@link #tiled}).
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
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One slice per group of the matrix's memory ({@link PackedMemory}), first touched by the
     * thread that fills it (first touch is slow on some machines).
     */
    final MemorySegment[] data;
    final int cols;
    final int groups;
    /** Columns per block and blocks per row. */
    final int blockSize;
    final int blocks;
    /** Float fields and bytes per row and block. */
    final int floatFields;
    final int byteFields;
    /**
     * Bytes per group and block, and where its byte and float vectors start: bytes first, so that
     * a kernel reads each block front to back, codes then scales (the hardware prefetchers follow
     * a forward stream; jumping back to a block's start each time cost Q4_K a third of its speed
     * from memory).
     */
    final long groupBlock;
    final long bytesAt;
    final long floatsAt;

    RowGroups(int rows, int cols, int blockSize, int floatFields, int byteFields) {
        this.cols = cols;
        this.groups = (rows + G - 1) / G;
        this.blockSize = blockSize;
        this.blocks = cols / blockSize;
        this.floatFields = floatFields;
        this.byteFields = byteFields;
        this.bytesAt = 0;
        this.floatsAt = (long) byteFields * G;
        this.groupBlock = floatsAt + floatFields * G * 4L;
        this.data = new MemorySegment[groups];
    }

    /** Whether matrices of this type go through row groups. */
    static boolean handles(GgmlType type) {
        return switch (type) {
            case Q4_0, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Repacks w into memory of {@code arena} (shared: it outlives the threads that fill it), groups
     * spread over the threads; rows past the end of the last group are zero.
     */
    static RowGroups pack(WeightMatrix w, Parallel parallel, Arena arena) {
        RowGroups packed = switch (w.type()) {
            case Q4_0 -> new Q4_0Groups(w.rows(), w.cols());
            case Q8_0 -> new Q8_0Groups(w.rows(), w.cols());
            case Q2_K -> new Q2_KGroups(w.rows(), w.cols());
            case Q3_K -> new Q3_KGroups(w.rows(), w.cols());
            case Q4_K -> new Q4_KGroups(w.rows(), w.cols());
            case Q5_K -> new Q5_KGroups(w.rows(), w.cols());
            case Q6_K -> new Q6_KGroups(w.rows(), w.cols());
            default -> throw new IllegalArgumentException("no row groups for " + w.type());
        };
        MemorySegment src = w.data();
        long rowBytes = w.rowBytes();
        long blockBytes = w.type().blockBytes;
        long groupBytes = packed.blocks * packed.groupBlock;
        long stride = (groupBytes + 63) & -64;
        MemorySegment memory = PackedMemory.allocate(arena, stride * packed.groups);
        parallel.forEach(packed.groups, (g, worker) -> {
            MemorySegment group = memory.asSlice(g * stride, groupBytes);
            packed.data[g] = group;
            float[] floats = new float[packed.floatFields * G];
            byte[] bytes = new byte[packed.byteFields * G];
            for (int b = 0; b < packed.blocks; b++) {
                packed.readBlocks(src, g * G * rowBytes + b * blockBytes, rowBytes, Math.min(G, w.rows() - g * G),
                        floats, bytes);
                long to = b * packed.groupBlock;
                MemorySegment.copy(floats, 0, group, ValueLayout.JAVA_FLOAT_UNALIGNED, to + packed.floatsAt, floats.length);
                MemorySegment.copy(bytes, 0, group, ValueLayout.JAVA_BYTE, to + packed.bytesAt, bytes.length);
            }
        });
        if (src.isMapped()) {
            src.unload();
        }
        return packed;
    }

    /**
     * Reads one row's block at src[from ..] into lane r: float field f at floats[f * G + r], byte
     * j at bytes[j * G + r]; the types that override {@link #readBlocks} instead do not need it.
     */
    void readBlock(MemorySegment src, long from, int r, float[] floats, byte[] bytes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " reads whole groups (readBlocks)");
    }

    /**
     * Reads block b of a group's rows, row r's at src[from + r * rowBytes ..], r &lt; rows (the last
     * group may have fewer than G; the lanes past them stay zero), as {@link #readBlock} does row
     * by row.
     */
    void readBlocks(MemorySegment src, long from, long rowBytes, int rows, float[] floats, byte[] bytes) {
        for (int r = 0; r < rows; r++) {
            readBlock(src, from + r * rowBytes, r, floats, bytes);
        }
    }

    /** Lane 2k from lane k, lane 2k + 1 from lane k + L: see {@link #pairRows}. */
    private static final VectorShuffle<Byte> PAIRED = VectorShuffle.fromOp(BG, m -> m / 2 + m % 2 * (G / 2));

    /**
     * Reorders the lanes of the first n byte vectors (G lanes each, rows in order) so that lane 2k
     * holds row k and lane 2k + 1 row k + G/2: read as G/2 16-bit lanes, the low bytes are then
     * rows 0 .. G/2-1 and the high bytes the rest, in order, which a kernel separates with shifts
     * (Q8_0).
     */
    static void pairRows(byte[] bytes, int n) {
        for (int j = 0; j < n; j++) {
            ByteVector.fromArray(BG, bytes, j * G).rearrange(PAIRED).intoArray(bytes, j * G);
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HALVES = 0x00000000FFFFFFFFL;
    private static final long QUARTERS = 0x0000FFFF0000FFFFL;
    private static final long EIGHTHS = 0x00FF00FF00FF00FFL;

    /**
     * {@link #readBlocks} for blocks of an fp16 scale and n code bytes (Q4_0, Q8_0), the codes through
     * {@link #transpose8}.
     */
    static void readScalesAndCodes(MemorySegment src, long from, long rowBytes, int rows, int n, float[] floats,
                                   byte[] bytes) {
        for (int r = 0; r < rows; r++) {
            floats[r] = Float.float16ToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, from + r * rowBytes));
        }
        for (int r0 = 0; r0 < G; r0 += 8) {
            for (int j = 0; j < n; j += 8) {
                transpose8(src, from + 2 + j + r0 * rowBytes, rowBytes, rows - r0, bytes, j * G + r0);
            }
        }
    }

    /**
     * Eight rows' eight bytes, row i's at src[at + i * rowBytes] (rows past {@code valid} read as
     * zeros), into eight lanes of eight byte vectors: byte k of row i to bytes[to + k * G + i]. One
     * 64-bit word per row, transposed in registers by three rounds of swaps (halves, quarters, then
     * single bytes of word pairs); byte by byte, the transposition took most of the time of opening
     * a Q8_0 file.
     */
    static void transpose8(MemorySegment src, long at, long rowBytes, int valid, byte[] bytes, int to) {
        long w0 = valid > 0 ? src.get(LONG, at) : 0;
        long w1 = valid > 1 ? src.get(LONG, at + rowBytes) : 0;
        long w2 = valid > 2 ? src.get(LONG, at + 2 * rowBytes) : 0;
        long w3 = valid > 3 ? src.get(LONG, at + 3 * rowBytes) : 0;
        long w4 = valid > 4 ? src.get(LONG, at + 4 * rowBytes) : 0;
        long w5 = valid > 5 ? src.get(LONG, at + 5 * rowBytes) : 0;
        long w6 = valid > 6 ? src.get(LONG, at + 6 * rowBytes) : 0;
        long w7 = valid > 7 ? src.get(LONG, at + 7 * rowBytes) : 0;
        long t;
        t = (w0 >>> 32 ^ w4) & HALVES;
        w0 ^= t << 32;
        w4 ^= t;
        t = (w1 >>> 32 ^ w5) & HALVES;
        w1 ^= t << 32;
        w5 ^= t;
        t = (w2 >>> 32 ^ w6) & HALVES;
        w2 ^= t << 32;
        w6 ^= t;
        t = (w3 >>> 32 ^ w7) & HALVES;
        w3 ^= t << 32;
        w7 ^= t;
        t = (w0 >>> 16 ^ w2) & QUARTERS;
        w0 ^= t << 16;
        w2 ^= t;
        t = (w1 >>> 16 ^ w3) & QUARTERS;
        w1 ^= t << 16;
        w3 ^= t;
        t = (w4 >>> 16 ^ w6) & QUARTERS;
        w4 ^= t << 16;
        w6 ^= t;
        t = (w5 >>> 16 ^ w7) & QUARTERS;
        w5 ^= t << 16;
        w7 ^= t;
        t = (w0 >>> 8 ^ w1) & EIGHTHS;
        w0 ^= t << 8;
        w1 ^= t;
        t = (w2 >>> 8 ^ w3) & EIGHTHS;
        w2 ^= t << 8;
        w3 ^= t;
        t = (w4 >>> 8 ^ w5) & EIGHTHS;
        w4 ^= t << 8;
        w5 ^= t;
        t = (w6 >>> 8 ^ w7) & EIGHTHS;
        w6 ^= t << 8;
        w7 ^= t;
        LONGS.set(bytes, to, w0);
        LONGS.set(bytes, to + G, w1);
        LONGS.set(bytes, to + 2 * G, w2);
        LONGS.set(bytes, to + 3 * G, w3);
        LONGS.set(bytes, to + 4 * G, w4);
        LONGS.set(bytes, to + 5 * G, w5);
        LONGS.set(bytes, to + 6 * G, w6);
        LONGS.set(bytes, to + 7 * G, w7);
    }

    /** Zeroes a group's G rows of n tokens, out[o + t * stride ..], for the tiles that add to them. */
    static void clearRows(float[] out, int o, int stride, int n) {
        for (int t = 0; t < n; t++) {
            Arrays.fill(out, o + t * stride, o + t * stride + G, 0f);
        }
    }

    /** Rows rounded up to whole groups. */
    int paddedRows() {
        return groups * G;
    }

    /** The codes this type's products take: Q8_0's, or Q8_K's for the K-quants. */
    boolean superBlocks() {
        return blockSize == 256;
    }

    /**
     * Groups [g0, g1) times one token's codes: rows g*G .. g*G + G - 1 at out[o + g*G ..] (out
     * has room for whole groups: see {@link #paddedRows}). One call of the kernel per group (or
     * pair of groups: {@link PairedGroups}): a
     * kernel invoked once for a long run of groups would be compiled on the stack (OSR), whose
     * vector code is many times slower (Q8_0 on a 128256-row matrix: 0.36 GB/s against 24).
     */
    void matvec(int g0, int g1, ActivationCodes x, float[] out, int o) {
        for (int g = g0; g < g1; g++) {
            matvec(g, x, out, o + g * G);
        }
    }

    /**
     * Whatever one token's products of this type take beside the codes (first n), made once per
     * token before the threads start: nothing, unless a type says otherwise.
     */
    void prepare(ActivationCodes x, int n) {
    }

    /** Group g times one token's codes, its G rows at out[o ..]; {@link #prepare} has seen them. */
    abstract void matvec(int g, ActivationCodes x, float[] out, int o);

    /**
     * What {@link #tiled} takes beside the codes, made once per product before the threads start
     * (they read it together): the first n codes as floats, the values they stand for, or
     * nothing, as the type's tile needs.
     */
    abstract float[] tokens(ActivationCodes codes, int n);

    /**
     * Groups [g0, g1) times batch (4 or more) tokens, given as codes and as {@link #tokens};
     * token t's rows at out[t * paddedRows() ..]. {@code scratch} is the calling worker's own.
     */
    abstract void tiled(int g0, int g1, ActivationCodes codes, float[] tokens, int batch, float[] out, Scratch scratch);

    /** A worker's buffers for {@link #tiled}, grown on demand. */
    static final class Scratch {
        private float[] floats = new float[0];
        private float[] moreFloats = new float[0];
        private short[] shorts = new short[0];

        float[] floats(int n) {
            return floats.length >= n ? floats : (floats = new float[n]);
        }

        /** A second float buffer, apart from {@link #floats}. */
        float[] moreFloats(int n) {
            return moreFloats.length >= n ? moreFloats : (moreFloats = new float[n]);
        }

        short[] shorts(int n) {
            return shorts.length >= n ? shorts : (shorts = new short[n]);
        }
    }
}
