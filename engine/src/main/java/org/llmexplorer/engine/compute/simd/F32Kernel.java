package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;

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
    void dot2(MemorySegment w, long a, long b, float[] x, int xOff, int n, float[] out, int outA, int outB) {
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = accA;
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xOff + i);
            accA = FloatVector.fromMemorySegment(F, w, a + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(xv, accA);
            accB = FloatVector.fromMemorySegment(F, w, b + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(xv, accB);
        }
        float sumA = Lanes.sum(accA);
        float sumB = Lanes.sum(accB);
        for (; i < n; i++) {
            sumA += w.get(FL, a + 4L * i) * x[xOff + i];
            sumB += w.get(FL, b + 4L * i) * x[xOff + i];
        }
        out[outA] = sumA;
        out[outB] = sumB;
    }

    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        MemorySegment.copy(w, FL, off, out, outOff, n);
    }
}
