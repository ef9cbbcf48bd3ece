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
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q4_0 blocks (fp16 scale, 16 bytes of nibbles) consumed in place: low nibbles are elements
 * 0..15, high nibbles 16..31, both offset by 8. The bytes are widened to 32-bit lanes first and
 * the nibbles cut out there: x86 has no byte shifts, and this is 20% faster than byte lanes.
 */
final class Q4_0Kernel extends RowKernel {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /** Part p (of PARTS) of a block's 16 code bytes as 32-bit lanes. */
    private static IntVector codes(MemorySegment w, long at, int p) {
        return (IntVector) ByteVector.fromMemorySegment(B16, w, at + 2, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, I, p);
    }

    private static FloatVector low(IntVector q) {
        return (FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0);
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = codes(w, at, p);
                sum = low(q).fma(FloatVector.fromArray(F, x, xo + p * L), sum);
                sum = high(q).fma(FloatVector.fromArray(F, x, xo + 16 + p * L), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at)));
            for (int p = 0; p < PARTS; p++) {
                IntVector q = codes(w, at, p);
                low(q).mul(d).intoArray(out, outOff + b * BLOCK + p * L);
                high(q).mul(d).intoArray(out, outOff + b * BLOCK + 16 + p * L);
            }
        }
    }
}
