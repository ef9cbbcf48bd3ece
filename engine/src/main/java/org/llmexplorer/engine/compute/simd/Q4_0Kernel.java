package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.B16;
import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;
import static org.llmexplorer.engine.compute.simd.Lanes.PARTS;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 blocks (fp16 scale, 16 bytes of nibbles) consumed in place: low nibbles are elements
 * 0..15, high nibbles 16..31, both offset by 8.
 */
final class Q4_0Kernel extends RowKernel {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            ByteVector q = ByteVector.fromMemorySegment(B16, w, at + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                FloatVector wl = (FloatVector) lo.convertShape(VectorOperators.B2F, F, p);
                FloatVector wh = (FloatVector) hi.convertShape(VectorOperators.B2F, F, p);
                sum = wl.fma(FloatVector.fromArray(F, x, xo + p * L), sum);
                sum = wh.fma(FloatVector.fromArray(F, x, xo + 16 + p * L), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void dot4(MemorySegment w, long off, float[] x, int xOff, int xStride, int n,
              float[] out, int outOff, int outStride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            ByteVector q = ByteVector.fromMemorySegment(B16, w, at + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0x0F).sub((byte) 8);
            ByteVector hi = q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
            int xo = xOff + b * BLOCK;
            for (int p = 0; p < PARTS; p++) {
                FloatVector wl = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d);
                FloatVector wh = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d);
                int i = xo + p * L;
                int j = i + 16;
                a0 = wh.fma(FloatVector.fromArray(F, x, j), wl.fma(FloatVector.fromArray(F, x, i), a0));
                a1 = wh.fma(FloatVector.fromArray(F, x, j + xStride), wl.fma(FloatVector.fromArray(F, x, i + xStride), a1));
                a2 = wh.fma(FloatVector.fromArray(F, x, j + 2 * xStride),
                        wl.fma(FloatVector.fromArray(F, x, i + 2 * xStride), a2));
                a3 = wh.fma(FloatVector.fromArray(F, x, j + 3 * xStride),
                        wl.fma(FloatVector.fromArray(F, x, i + 3 * xStride), a3));
            }
        }
        out[outOff] = Lanes.sum(a0);
        out[outOff + outStride] = Lanes.sum(a1);
        out[outOff + 2 * outStride] = Lanes.sum(a2);
        out[outOff + 3 * outStride] = Lanes.sum(a3);
    }
}
