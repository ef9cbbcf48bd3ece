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

/** Q8_0 blocks (fp16 scale, 32 signed bytes) consumed in place: codes widened to floats per block. */
final class Q8_0Kernel extends RowKernel {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(F);
            for (int half = 0; half < 2; half++) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, at + 2 + half * 16, ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector wf = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
                    sum = wf.fma(FloatVector.fromArray(F, x, xo + half * 16 + p * L), sum);
                }
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
            int xo = xOff + b * BLOCK;
            for (int half = 0; half < 2; half++) {
                ByteVector q = ByteVector.fromMemorySegment(B16, w, at + 2 + half * 16, ByteOrder.LITTLE_ENDIAN);
                for (int p = 0; p < PARTS; p++) {
                    FloatVector wf = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).mul(d);
                    int i = xo + half * 16 + p * L;
                    a0 = wf.fma(FloatVector.fromArray(F, x, i), a0);
                    a1 = wf.fma(FloatVector.fromArray(F, x, i + xStride), a1);
                    a2 = wf.fma(FloatVector.fromArray(F, x, i + 2 * xStride), a2);
                    a3 = wf.fma(FloatVector.fromArray(F, x, i + 3 * xStride), a3);
                }
            }
        }
        out[outOff] = Lanes.sum(a0);
        out[outOff + outStride] = Lanes.sum(a1);
        out[outOff + 2 * outStride] = Lanes.sum(a2);
        out[outOff + 3 * outStride] = Lanes.sum(a3);
    }
}
