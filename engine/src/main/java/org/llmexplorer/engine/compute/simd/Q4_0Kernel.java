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
 *
 * <p>The unpacking is written out in each method rather than shared through helpers that
 * return vectors: when such a helper is compiled on its own and not inlined, its vectors are
 * boxed into heap objects, and the kernel runs several times slower.
 */
final class Q4_0Kernel extends RowKernel {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 18;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final float MAGIC_PLUS_8 = 8388616f; // 2^23 + 8

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            ByteVector bytes = ByteVector.fromMemorySegment(B16, w, at + 2, ByteOrder.LITTLE_ENDIAN);
            int xo = xOff + b * BLOCK;
            FloatVector sum = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) bytes.convertShape(VectorOperators.B2I, I, p);
                // A nibble v set into the mantissa of 2^23 reads as 2^23 + v: cheaper than an
                // int-to-float conversion, and it compiles to vector code in every context.
                FloatVector lo = q.and(0xF).or(MAGIC).reinterpretAsFloats().sub(MAGIC_PLUS_8);
                FloatVector hi = q.lanewise(VectorOperators.ASHR, 4).and(0xF).or(MAGIC).reinterpretAsFloats()
                        .sub(MAGIC_PLUS_8);
                sum = lo.fma(FloatVector.fromArray(F, x, xo + p * L), sum);
                sum = hi.fma(FloatVector.fromArray(F, x, xo + 16 + p * L), sum);
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
            ByteVector bytes = ByteVector.fromMemorySegment(B16, w, at + 2, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) bytes.convertShape(VectorOperators.B2I, I, p);
                ((FloatVector) q.and(0xF).sub(8).convert(VectorOperators.I2F, 0)).mul(d)
                        .intoArray(out, outOff + b * BLOCK + p * L);
                ((FloatVector) q.lanewise(VectorOperators.ASHR, 4).and(0xF).sub(8).convert(VectorOperators.I2F, 0))
                        .mul(d).intoArray(out, outOff + b * BLOCK + 16 + p * L);
            }
        }
    }
}
