package org.llmexplorer.engine.compute.simd;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The SIMD matrix kernels of one weight type. One token (generation) takes each row's blocks
 * straight from the weights in {@link #dot}. Several tokens (a prompt) widen each row to floats
 * once, into a small per-thread buffer, and multiply it with many tokens through the register
 * tiles of {@link FloatTiles}, so the conversion is paid once per row rather than once per token.
 */
abstract class RowKernel {

    /** Dot product of n values of the row starting at byte {@code off} with x[xOff ..]. */
    abstract float dot(MemorySegment w, long off, float[] x, int xOff, int n);

    /**
     * Dot products of two rows, at byte offsets {@code a} and {@code b}, with the same x, written
     * to out[outA] and out[outB]. Reading two distant rows in one loop keeps two memory streams
     * in flight: one stream stalls at every 4 KB page the prefetcher will not cross, and with
     * the compute of a quantized block between loads the out-of-order window cannot reach the
     * next page on its own (Q8_0 from DRAM on one thread: 14 GB/s one row at a time, 30 GB/s two).
     *
     * <p>By default the rows go one after the other through one call site: the formats that need
     * much arithmetic per byte do not wait for memory, and C2 stops inlining once a compilation
     * grows past a node budget, so two inlined copies of a large {@link #dot} would leave vector
     * operations as calls whose vectors are then boxed on the heap.
     */
    void dot2(MemorySegment w, long a, long b, float[] x, int xOff, int n, float[] out, int outA, int outB) {
        for (int k = 0; k < 2; k++) {
            out[k == 0 ? outA : outB] = dot(w, k == 0 ? a : b, x, xOff, n);
        }
    }

    /** Writes the n values of the row starting at byte {@code off} to out[outOff .. outOff + n). */
    abstract void dequantize(MemorySegment w, long off, int n, float[] out, int outOff);

    /** Rows widened to floats at a time for a prompt batch. */
    static final int ROW_TILE = 16;
    /** Columns multiplied at a time: four tokens' stretch of x (16 KB) stays in the L1 cache. */
    static final int COLUMN_TILE = 1024;

    /** Floats of per-thread buffer {@link #rows} needs for rows of this length. */
    static int bufferSize(int cols) {
        return FloatTiles.SCRATCH + ROW_TILE * cols;
    }

    /**
     * Rows [r0, r1) of w times each of a few (1 to 3) vectors in x, two distant rows at a time.
     * The one-token and the many-token paths are separate methods so that the JIT compiles each
     * on its own: compiled together they exceed its inlining budget, and vector values that
     * cross a call that was not inlined are boxed, which is many times slower.
     */
    final void matvec(WeightMatrix w, int r0, int r1, float[] x, int batch, float[] out) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        int rows = w.rows();
        {
            int half = (r1 - r0) / 2;
            for (int t = 0; t < batch; t++) {
                for (int r = r0; r < r0 + half; r++) {
                    dot2(data, r * rowBytes, (r + half) * rowBytes, x, t * cols, cols, out, t * rows + r,
                            t * rows + r + half);
                }
                if ((r1 - r0) % 2 != 0) {
                    out[t * rows + r1 - 1] = dot(data, (r1 - 1) * rowBytes, x, t * cols, cols);
                }
            }
        }
    }

    /**
     * Rows [r0, r1) of w times each of the batch (4 or more) vectors in x, through float tiles;
     * {@code buffer} holds {@link #bufferSize} floats. Given xT, the transposed form of the whole
     * groups of {@link FloatTiles#GROUP} tokens ({@link FloatTiles#transposeGroups}), those go
     * through {@link FloatTiles#tile8xGroup}; the tokens after them, rows short of eight, and
     * everything when xT is null, through {@link FloatTiles#tile4x4}.
     */
    final void tiled(WeightMatrix w, int r0, int r1, float[] x, float[] xT, int batch, float[] out, float[] buffer) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        int rows = w.rows();
        int grouped = xT == null ? 0 : batch / FloatTiles.GROUP * FloatTiles.GROUP; // no xT: every token four by four
        for (int rs = r0; rs < r1; rs += ROW_TILE) {
            int tile = Math.min(ROW_TILE, r1 - rs);
            for (int r = 0; r < tile; r++) {
                dequantize(data, (rs + r) * rowBytes, cols, buffer, FloatTiles.SCRATCH + r * cols);
            }
            for (int t = 0; t < batch; t++) {
                java.util.Arrays.fill(out, t * rows + rs, t * rows + rs + tile, 0f);
            }
            int eights = grouped == 0 ? 0 : tile / 8 * 8;
            for (int r = 0; r < eights; r += 8) {
                for (int g = 0; g < grouped; g += FloatTiles.GROUP) {
                    FloatTiles.tile8xGroup(buffer, FloatTiles.SCRATCH + r * cols, cols, xT, g * cols, cols, out,
                            g * rows + rs + r, rows, buffer);
                }
            }
            fourByFour(buffer, cols, x, grouped, batch, 0, tile, out, rs, rows);
            fourByFour(buffer, cols, x, 0, grouped, eights, tile, out, rs, rows);
        }
    }

    /** Tokens [t0, t1) with the tile's rows [ra, rb) (dequantized in buffer), four by four. */
    private static void fourByFour(float[] buffer, int cols, float[] x, int t0, int t1, int ra, int rb, float[] out,
                                   int rs, int rows) {
        float[] scratch = buffer; // the tile's accumulators live before the rows
        for (int k0 = 0; k0 < cols; k0 += COLUMN_TILE) {
            int k = Math.min(COLUMN_TILE, cols - k0);
            for (int t = t0; t < t1; t += 4) {
                int tokens = Math.min(4, t1 - t);
                for (int r = ra; r < rb; r += 4) {
                    if (tokens == 4 && r + 4 <= rb && k % Lanes.L == 0) {
                        FloatTiles.tile4x4(buffer, FloatTiles.SCRATCH + r * cols + k0, cols, x, t * cols + k0, cols, k,
                                out, t * rows + rs + r, rows, scratch);
                        continue;
                    }
                    for (int rr = r; rr < Math.min(r + 4, rb); rr++) { // edges of the tile
                        for (int tt = t; tt < t + tokens; tt++) {
                            out[tt * rows + rs + rr] += FloatTiles.dot(buffer, FloatTiles.SCRATCH + rr * cols + k0, x,
                                    tt * cols + k0, k);
                        }
                    }
                }
            }
        }
    }
}
