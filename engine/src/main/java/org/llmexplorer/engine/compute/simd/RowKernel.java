package org.llmexplorer.engine.compute.simd;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The SIMD matrix kernels of one weight type. One token (generation) takes each row's blocks
 * straight from the weights in {@link #dot}. Several tokens (a prompt) widen each row to floats
 * once, into a small per-thread buffer, and multiply it with four tokens at a time, so the
 * conversion is paid once per row rather than once per token.
 */
abstract class RowKernel {

    /** Dot product of n values of the row starting at byte {@code off} with x[xOff ..]. */
    abstract float dot(MemorySegment w, long off, float[] x, int xOff, int n);

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
     * Rows [r0, r1) of w times each of the batch vectors in x; {@code buffer} holds
     * {@link #bufferSize} floats.
     */
    final void rows(WeightMatrix w, int r0, int r1, float[] x, int batch, float[] out, float[] buffer) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        int rows = w.rows();
        float[] scratch = buffer; // the tile's accumulators live after the rows
        if (batch < 4) {
            for (int r = r0; r < r1; r++) {
                for (int t = 0; t < batch; t++) {
                    out[t * rows + r] = dot(data, r * rowBytes, x, t * cols, cols);
                }
            }
            return;
        }
        for (int rs = r0; rs < r1; rs += ROW_TILE) {
            int tile = Math.min(ROW_TILE, r1 - rs);
            for (int r = 0; r < tile; r++) {
                dequantize(data, (rs + r) * rowBytes, cols, buffer, FloatTiles.SCRATCH + r * cols);
            }
            for (int t = 0; t < batch; t++) {
                java.util.Arrays.fill(out, t * rows + rs, t * rows + rs + tile, 0f);
            }
            for (int k0 = 0; k0 < cols; k0 += COLUMN_TILE) {
                int k = Math.min(COLUMN_TILE, cols - k0);
                for (int t = 0; t < batch; t += 4) {
                    int tokens = Math.min(4, batch - t);
                    for (int r = 0; r < tile; r += 4) {
                        if (tokens == 4 && r + 4 <= tile && k % Lanes.L == 0) {
                            FloatTiles.tile4x4(buffer, FloatTiles.SCRATCH + r * cols + k0, cols, x, t * cols + k0, cols, k, out,
                                    t * rows + rs + r, rows, scratch);
                            continue;
                        }
                        for (int rr = r; rr < Math.min(r + 4, tile); rr++) { // edges of the tile
                            for (int tt = t; tt < t + tokens; tt++) {
                                out[tt * rows + rs + rr] += FloatTiles.dot(buffer, FloatTiles.SCRATCH + rr * cols + k0, x, tt * cols + k0, k);
                            }
                        }
                    }
                }
            }
        }
    }
}
