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
import org.llmexplorer.engine.tensor.format.Q6_KFormat;

/**
 * Q6_K blocks (256 values: 128 bytes of low nibbles, 64 bytes of high bit pairs, sixteen int8
 * scales, fp16 d) consumed in place. Each half of a block holds four rows of 32 values, built
 * from the nibbles of ql[l] and ql[l + 32] and the four bit pairs of qh[l]; every 16 values share
 * a scale, which applies once to the lane sums. 6-bit codes become floats through the mantissa
 * of 2^23 (see {@link Lanes}).
 */
final class Q6_KKernel extends RowKernel {
    private static final int BLOCK = 256;
    private static final int BLOCK_BYTES = 210;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final float TWO_23_PLUS_32 = 8388640f;
    private static final Q6_KFormat FORMAT = new Q6_KFormat();

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 208));
            for (int half = 0; half < 2; half++) {
                long ql = at + 64L * half;
                long qh = at + 128 + 32L * half;
                long sc = at + 192 + 8L * half;
                int y = xOff + b * BLOCK + 128 * half;
                for (int is = 0; is < 2; is++) { // values l = 16 is .. 16 is + 15 of each row
                    ByteVector low = ByteVector.fromMemorySegment(B16, w, ql + 16L * is, ByteOrder.LITTLE_ENDIAN);
                    ByteVector low32 = ByteVector.fromMemorySegment(B16, w, ql + 32 + 16L * is, ByteOrder.LITTLE_ENDIAN);
                    ByteVector high = ByteVector.fromMemorySegment(B16, w, qh + 16L * is, ByteOrder.LITTLE_ENDIAN);
                    FloatVector s1 = FloatVector.zero(F);
                    FloatVector s2 = FloatVector.zero(F);
                    FloatVector s3 = FloatVector.zero(F);
                    FloatVector s4 = FloatVector.zero(F);
                    for (int p = 0; p < PARTS; p++) {
                        IntVector a = (IntVector) low.convertShape(VectorOperators.B2I, I, p);
                        IntVector c = (IntVector) low32.convertShape(VectorOperators.B2I, I, p);
                        IntVector h = (IntVector) high.convertShape(VectorOperators.B2I, I, p);
                        FloatVector q1 = a.and(0xF).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).or(MAGIC)
                                .reinterpretAsFloats().sub(TWO_23_PLUS_32);
                        FloatVector q2 = c.and(0xF).or(h.and(0xC).lanewise(VectorOperators.LSHL, 2)).or(MAGIC)
                                .reinterpretAsFloats().sub(TWO_23_PLUS_32);
                        FloatVector q3 = a.lanewise(VectorOperators.ASHR, 4).and(0xF).or(h.and(0x30)).or(MAGIC)
                                .reinterpretAsFloats().sub(TWO_23_PLUS_32);
                        FloatVector q4 = c.lanewise(VectorOperators.ASHR, 4).and(0xF)
                                .or(h.lanewise(VectorOperators.ASHR, 2).and(0x30)).or(MAGIC)
                                .reinterpretAsFloats().sub(TWO_23_PLUS_32);
                        int e = y + 16 * is + p * L;
                        s1 = q1.fma(FloatVector.fromArray(F, x, e), s1);
                        s2 = q2.fma(FloatVector.fromArray(F, x, e + 32), s2);
                        s3 = q3.fma(FloatVector.fromArray(F, x, e + 64), s3);
                        s4 = q4.fma(FloatVector.fromArray(F, x, e + 96), s4);
                    }
                    acc = s1.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is)), acc);
                    acc = s2.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 2)), acc);
                    acc = s3.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 4)), acc);
                    acc = s4.fma(FloatVector.broadcast(F, d * w.get(ValueLayout.JAVA_BYTE, sc + is + 6)), acc);
                }
            }
        }
        return Lanes.sum(acc);
    }


    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        FORMAT.dequantize(w, off / BLOCK_BYTES * BLOCK, out, outOff, n);
    }
}
