package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.BL;
import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.tensor.format.Blocks;
import org.llmexplorer.engine.tensor.format.Q4_KFormat;

/**
 * Q4_K blocks (256 values: fp16 d and dmin, twelve bytes of 6-bit sub-block scales and minimums,
 * 128 bytes of nibbles) consumed in place. Per sub-block of 32, value = d sc q - dmin m, so the
 * dot product is d sc (q . x) - dmin m (sum of x): both sums run in vector lanes, the scales
 * apply once per sub-block. Nibbles become floats through the mantissa of 2^23 as in
 * {@link Q4_0Kernel}, and the unpacking is written out in place for the same reason.
 */
final class Q4_KKernel extends RowKernel {
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 144;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final float TWO_23 = 8388608f;
    private static final Q4_KFormat FORMAT = new Q4_KFormat();

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        // Four accumulators: one chain of dependent multiply-adds would wait on each one's latency.
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = acc1;
        FloatVector acc3 = acc1;
        FloatVector acc4 = acc1;
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            float dmin = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2));
            long scalesLo = w.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 4);
            int scalesHi = w.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12);
            for (int j = 0; j < 4; j++) { // sub-blocks 2j (low nibbles) and 2j + 1 (high nibbles)
                int xo = xOff + b * BLOCK + 64 * j;
                long qs = at + 16 + 32L * j;
                FloatVector qLo = FloatVector.zero(F);
                FloatVector qHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F);
                FloatVector xHi = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    // L bytes widened to L int lanes: always part 0, so the conversion compiles
                    // to one instruction whatever C2 unrolls.
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(BL, w, qs + k, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    FloatVector lo = q.and(0xF).or(MAGIC).reinterpretAsFloats().sub(TWO_23);
                    FloatVector hi = q.lanewise(VectorOperators.ASHR, 4).and(0xF).or(MAGIC).reinterpretAsFloats()
                            .sub(TWO_23);
                    FloatVector xl = FloatVector.fromArray(F, x, xo + k);
                    FloatVector xh = FloatVector.fromArray(F, x, xo + 32 + k);
                    qLo = lo.fma(xl, qLo);
                    xLo = xLo.add(xl);
                    qHi = hi.fma(xh, qHi);
                    xHi = xHi.add(xh);
                }
                int sm1 = Blocks.scaleMinK4(scalesLo, scalesHi, 2 * j);
                int sm2 = Blocks.scaleMinK4(scalesLo, scalesHi, 2 * j + 1);
                acc1 = qLo.fma(FloatVector.broadcast(F, d * (sm1 >>> 8)), acc1);
                acc2 = xLo.fma(FloatVector.broadcast(F, -dmin * (sm1 & 0xFF)), acc2);
                acc3 = qHi.fma(FloatVector.broadcast(F, d * (sm2 >>> 8)), acc3);
                acc4 = xHi.fma(FloatVector.broadcast(F, -dmin * (sm2 & 0xFF)), acc4);
            }
        }
        return Lanes.sum(acc1.add(acc2).add(acc3.add(acc4)));
    }

    /** Two rows one after the other through one call site (see {@link Q4_0Kernel#dot2}). */
    @Override
    void dot2(MemorySegment w, long a, long b, float[] x, int xOff, int n, float[] out, int outA, int outB) {
        for (int k = 0; k < 2; k++) {
            out[k == 0 ? outA : outB] = dot(w, k == 0 ? a : b, x, xOff, n);
        }
    }

    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        FORMAT.dequantize(w, off / BLOCK_BYTES * BLOCK, out, outOff, n);
    }
}
