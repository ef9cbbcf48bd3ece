package org.llmexplorer.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * How the values of one weight type are laid out in bytes: the scalar reference for
 * dequantization and for the dot product of a stretch of a row with a float vector.
 * These loops are the specification the SIMD and GPU kernels are tested against.
 *
 * <p>Element indices are counted from the start of {@code data}; a stretch of a quantized
 * type starts and ends on a block boundary.
 */
public interface TensorFormat {
    GgmlType type();

    /** Writes the values of elements [start, start + n) to out[off...]. */
    void dequantize(MemorySegment data, long start, float[] out, int off, int n);

    /** Sum over i < n of value(start + i) * x[xOff + i], accumulated in double and rounded to float at the end. */
    default float dot(MemorySegment data, long start, float[] x, int xOff, int n) {
        int bs = type().blockSize;
        float[] block = new float[bs];
        double sum = 0;
        for (int i = 0; i < n; i += bs) {
            dequantize(data, start + i, block, 0, bs);
            for (int j = 0; j < bs; j++) {
                sum += block[j] * x[xOff + i + j];
            }
        }
        return (float) sum;
    }

    /** The value of a single element (slow; for tests and tools). */
    default float get(MemorySegment data, long index) {
        int bs = type().blockSize;
        float[] block = new float[bs];
        long blockStart = index / bs * bs;
        dequantize(data, blockStart, block, 0, bs);
        return block[(int) (index - blockStart)];
    }
}
