package org.llmexplorer.engine.compute.simd;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The SIMD dot products of one weight type: a row with one vector, and a row with four vectors
 * at once (prompt processing), which converts each block of weights once for four tokens.
 */
abstract class RowKernel {

    /** Dot product of n values of the row starting at byte {@code off} with x[xOff ..]. */
    abstract float dot(MemorySegment w, long off, float[] x, int xOff, int n);

    /**
     * Four dot products of the same row with x[xOff + t * xStride ..] for t < 4, written to
     * out[outOff + t * outStride].
     */
    abstract void dot4(MemorySegment w, long off, float[] x, int xOff, int xStride, int n,
                       float[] out, int outOff, int outStride);

    /** Rows [r0, r1) of w times each of the batch vectors in x. */
    final void rows(WeightMatrix w, int r0, int r1, float[] x, int batch, float[] out) {
        MemorySegment data = w.data();
        long rowBytes = w.rowBytes();
        int cols = w.cols();
        int rows = w.rows();
        for (int r = r0; r < r1; r++) {
            long off = r * rowBytes;
            int t = 0;
            for (; t + 4 <= batch; t += 4) {
                dot4(data, off, x, t * cols, cols, cols, out, t * rows + r, rows);
            }
            for (; t < batch; t++) {
                out[t * rows + r] = dot(data, off, x, t * cols, cols);
            }
        }
    }
}
