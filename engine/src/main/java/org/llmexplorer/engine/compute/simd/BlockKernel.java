package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * The SIMD kernel for block formats without a hand-written one: each block is unpacked into a
 * small per-thread buffer by the format's reference code and multiplied with vectors at once.
 * Block by block, nothing dequantized whole; slower than a kernel that unpacks in registers.
 */
final class BlockKernel extends RowKernel {
    private final TensorFormat format;
    private final int block;
    private final int blockBytes;
    private final ThreadLocal<float[]> buffer;

    BlockKernel(TensorFormat format) {
        this.format = format;
        this.block = format.type().blockSize;
        this.blockBytes = format.type().blockBytes;
        this.buffer = ThreadLocal.withInitial(() -> new float[block]);
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        float[] buf = buffer.get();
        long first = off / blockBytes * block;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / block; b++) {
            format.dequantize(w, first + (long) b * block, buf, 0, block);
            int xo = xOff + b * block;
            for (int i = 0; i < block; i += L) {
                acc = FloatVector.fromArray(F, buf, i).fma(FloatVector.fromArray(F, x, xo + i), acc);
            }
        }
        return Lanes.sum(acc);
    }


    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        format.dequantize(w, off / blockBytes * block, out, outOff, n);
    }
}
