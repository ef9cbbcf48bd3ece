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
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.format.Blocks;

/**
 * Q4_K and Q5_K blocks consumed in place. A block holds 256 values: fp16 d and dmin, twelve
 * bytes of 6-bit sub-block scales and minimums, for Q5_K 32 bytes of fifth bits (bit 2j of byte
 * l for value l of sub-block 2j, bit 2j + 1 for sub-block 2j + 1), then 128 bytes of nibbles.
 * Per sub-block of 32, value = d sc q - dmin m, so the dot product is d sc (q . x) - dmin m
 * (sum of x): q . x runs in vector lanes with the scale applied once per sub-block, and the sums
 * of x, the same for every row, are made once per vector ({@link #perVector}). Codes become
 * floats through the mantissa of 2^23 (see {@link Lanes}).
 */
final class NibbleKKernel extends RowKernel {
    private static final int BLOCK = 256;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final float TWO_23 = 8388608f;

    private final boolean fiveBits;
    private final int blockBytes;
    private final int qsOffset;
    private final TensorFormat format;

    NibbleKKernel(GgmlType type) {
        if (type != GgmlType.Q4_K && type != GgmlType.Q5_K) {
            throw new IllegalArgumentException(type + " is neither Q4_K nor Q5_K");
        }
        this.fiveBits = type == GgmlType.Q5_K;
        this.blockBytes = type.blockBytes;
        this.qsOffset = fiveBits ? 48 : 16;
        this.format = TensorFormats.of(type);
    }

    /** The sum of x over each sub-block of 32: the minimums' part of every row's dot product. */
    @Override
    float[] perVector(float[] x, int xOff, int n) {
        float[] sums = new float[n / 32];
        for (int s = 0; s < sums.length; s++) {
            float sum = 0;
            for (int i = xOff + 32 * s; i < xOff + 32 * s + 32; i++) {
                sum += x[i];
            }
            sums[s] = sum;
        }
        return sums;
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        return dot(w, off, x, xOff, n, perVector(x, xOff, n));
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n, float[] xSums) {
        // Two accumulators: one chain of dependent multiply-adds would wait on each one's latency.
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = acc1;
        float minimums = 0; // dmin m (sum of x) per sub-block, the sums made once per x
        for (int b = 0; b < n / BLOCK; b++) {
            long at = off + (long) b * blockBytes;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            float dmin = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2));
            long scalesLo = w.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 4);
            int scalesHi = w.get(ValueLayout.JAVA_INT_UNALIGNED, at + 12);
            for (int j = 0; j < 4; j++) { // sub-blocks 2j (low nibbles) and 2j + 1 (high nibbles)
                int xo = xOff + b * BLOCK + 64 * j;
                long qs = at + qsOffset + 32L * j;
                FloatVector qLo = FloatVector.zero(F);
                FloatVector qHi = FloatVector.zero(F);
                for (int k = 0; k < 32; k += L) {
                    // L bytes widened to L int lanes: always part 0, so the conversion compiles
                    // to one instruction whatever C2 unrolls.
                    IntVector q = (IntVector) ByteVector.fromMemorySegment(BL, w, qs + k, ByteOrder.LITTLE_ENDIAN)
                            .convertShape(VectorOperators.B2I, I, 0);
                    IntVector lowCodes = q.and(0xF);
                    IntVector highCodes = q.lanewise(VectorOperators.ASHR, 4).and(0xF);
                    if (fiveBits) {
                        IntVector h = (IntVector) ByteVector.fromMemorySegment(BL, w, at + 16 + k,
                                ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0)
                                .lanewise(VectorOperators.LSHR, 2 * j);
                        lowCodes = lowCodes.or(h.and(1).lanewise(VectorOperators.LSHL, 4));
                        highCodes = highCodes.or(h.and(2).lanewise(VectorOperators.LSHL, 3));
                    }
                    FloatVector lo = lowCodes.or(MAGIC).reinterpretAsFloats().sub(TWO_23);
                    FloatVector hi = highCodes.or(MAGIC).reinterpretAsFloats().sub(TWO_23);
                    qLo = lo.fma(FloatVector.fromArray(F, x, xo + k), qLo);
                    qHi = hi.fma(FloatVector.fromArray(F, x, xo + 32 + k), qHi);
                }
                int sm1 = Blocks.scaleMinK4(scalesLo, scalesHi, 2 * j);
                int sm2 = Blocks.scaleMinK4(scalesLo, scalesHi, 2 * j + 1);
                acc1 = qLo.fma(FloatVector.broadcast(F, d * (sm1 >>> 8)), acc1);
                acc2 = qHi.fma(FloatVector.broadcast(F, d * (sm2 >>> 8)), acc2);
                int s = b * 8 + 2 * j;
                minimums += dmin * ((sm1 & 0xFF) * xSums[s] + (sm2 & 0xFF) * xSums[s + 1]);
            }
        }
        return Lanes.sum(acc1.add(acc2)) - minimums;
    }

    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        format.dequantize(w, off / blockBytes * BLOCK, out, outOff, n);
    }
}
