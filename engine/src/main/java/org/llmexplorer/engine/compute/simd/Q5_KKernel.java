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
import org.llmexplorer.engine.tensor.format.Q5_KFormat;

/**
 * Q5_K blocks: Q4_K's layout (see {@link Q4_KKernel}) with 32 bytes of fifth bits after the
 * scales (bit 2j of byte l for value l of sub-block 2j, bit 2j + 1 for sub-block 2j + 1) and the
 * nibbles after them; consumed in place the same way, the fifth bit shifted into each code.
 */
final class Q5_KKernel extends RowKernel {
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 176;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final float TWO_23 = 8388608f;
    private static final Q5_KFormat FORMAT = new Q5_KFormat();

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
                long qs = at + 48 + 32L * j;
                FloatVector qLo = FloatVector.zero(F);
                FloatVector qHi = FloatVector.zero(F);
                FloatVector xLo = FloatVector.zero(F);
                FloatVector xHi = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    // L bytes widened to L int lanes: always part 0, so the conversion compiles
                    // to one instruction whatever C2 unrolls.
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(BL, w, qs + k, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(BL, w, at + 16 + k, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0).lanewise(VectorOperators.LSHR, 2 * j);
                    FloatVector lo = q.and(0xF).or(h.and(1).lanewise(VectorOperators.LSHL, 4)).or(MAGIC)
                            .reinterpretAsFloats().sub(TWO_23);
                    FloatVector hi = q.lanewise(VectorOperators.ASHR, 4).and(0xF)
                            .or(h.and(2).lanewise(VectorOperators.LSHL, 3)).or(MAGIC).reinterpretAsFloats().sub(TWO_23);
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
