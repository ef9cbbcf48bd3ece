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
 * Q8_0 blocks (fp16 scale, 32 signed bytes) consumed in place: codes widened to floats per block.
 * Loads are written out in each method, not shared through a helper returning a vector (see
 * {@link Lanes} on why).
 */
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
                for (int p = 0; p < PARTS; p++) {
                    sum = ((FloatVector) ByteVector.fromMemorySegment(B16, w, at + 2 + half * 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xo + half * 16 + p * L), sum);
                }
            }
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void dot2(MemorySegment w, long a, long b, float[] x, int xOff, int n, float[] out, int outA, int outB) {
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = accA;
        for (int k = 0; k < n / BLOCK; k++) {
            long at = a + (long) k * BLOCK_BYTES;
            long bt = b + (long) k * BLOCK_BYTES;
            float da = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            float db = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, bt));
            int xo = xOff + k * BLOCK;
            FloatVector sumA = FloatVector.zero(F);
            FloatVector sumB = sumA;
            for (int half = 0; half < 2; half++) {
                for (int p = 0; p < PARTS; p++) {
                    FloatVector xv = FloatVector.fromArray(F, x, xo + half * 16 + p * L);
                    sumA = ((FloatVector) ByteVector.fromMemorySegment(B16, w, at + 2 + half * 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, p)).fma(xv, sumA);
                    sumB = ((FloatVector) ByteVector.fromMemorySegment(B16, w, bt + 2 + half * 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, p)).fma(xv, sumB);
                }
            }
            accA = sumA.fma(FloatVector.broadcast(F, da), accA);
            accB = sumB.fma(FloatVector.broadcast(F, db), accB);
        }
        out[outA] = Lanes.sum(accA);
        out[outB] = Lanes.sum(accB);
    }

    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at)));
            for (int half = 0; half < 2; half++) {
                for (int p = 0; p < PARTS; p++) {
                    ((FloatVector) ByteVector.fromMemorySegment(B16, w, at + 2 + half * 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(out, outOff + b * BLOCK + half * 16 + p * L);
                }
            }
        }
    }
}
