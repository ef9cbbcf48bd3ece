package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** F32 weights read straight from the mapping. */
final class F32Kernel extends RowKernel {
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN);
            acc = wv.fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += w.get(FL, off + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    @Override
    void dot4(MemorySegment w, long off, float[] x, int xOff, int xStride, int n,
              float[] out, int outOff, int outStride) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector wv = FloatVector.fromMemorySegment(F, w, off + 4L * i, ByteOrder.LITTLE_ENDIAN);
            int j = xOff + i;
            a0 = wv.fma(FloatVector.fromArray(F, x, j), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, j + xStride), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, j + 2 * xStride), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, j + 3 * xStride), a3);
        }
        float s0 = Lanes.sum(a0);
        float s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2);
        float s3 = Lanes.sum(a3);
        for (; i < n; i++) {
            float wi = w.get(FL, off + 4L * i);
            int j = xOff + i;
            s0 += wi * x[j];
            s1 += wi * x[j + xStride];
            s2 += wi * x[j + 2 * xStride];
            s3 += wi * x[j + 3 * xStride];
        }
        out[outOff] = s0;
        out[outOff + outStride] = s1;
        out[outOff + 2 * outStride] = s2;
        out[outOff + 3 * outStride] = s3;
    }
}
