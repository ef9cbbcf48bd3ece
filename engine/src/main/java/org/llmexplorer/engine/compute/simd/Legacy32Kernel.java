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
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;
import org.llmexplorer.engine.tensor.TensorFormats;

/**
 * Q4_1, Q5_0 and Q5_1: blocks of 32 like Q4_0 (16 bytes of nibbles, element j low, j + 16 high),
 * with a fifth bit per element in a 32-bit word (Q5_*: bit j of element j) and/or an fp16
 * minimum (Q*_1: value = d q + m, else d (q - offset)). Per block the dot product is
 * d (q . x) + m (sum of x), both sums in lanes; the fifth bits are cut out of the word with a
 * per-lane shift. Nibbles become floats through the mantissa of 2^23 (see {@link Lanes}).
 */
final class Legacy32Kernel extends RowKernel {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final IntVector IOTA = IntVector.zero(I).addIndex(1);

    private final TensorFormat format;
    private final int blockBytes;
    private final boolean hasMin;   // Q4_1, Q5_1
    private final boolean fiveBits; // Q5_0, Q5_1
    private final int qsOffset;     // where the nibbles start in a block
    private final float bias;       // 2^23 plus the offset subtracted from each code (Q5_0: 16)

    Legacy32Kernel(GgmlType type) {
        this.format = TensorFormats.of(type);
        this.blockBytes = type.blockBytes;
        this.hasMin = type == GgmlType.Q4_1 || type == GgmlType.Q5_1;
        this.fiveBits = type == GgmlType.Q5_0 || type == GgmlType.Q5_1;
        this.qsOffset = (hasMin ? 4 : 2) + (fiveBits ? 4 : 0);
        this.bias = 8388608f + (type == GgmlType.Q5_0 ? 16 : 0);
        if (type != GgmlType.Q4_1 && type != GgmlType.Q5_0 && type != GgmlType.Q5_1) {
            throw new IllegalArgumentException(type + " is not a 32-value legacy block type with a minimum or fifth bit");
        }
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        FloatVector accMin = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long at = off + (long) b * blockBytes;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            IntVector high = IntVector.broadcast(I, fiveBits ? w.get(ValueLayout.JAVA_INT_UNALIGNED, at + qsOffset - 4) : 0);
            ByteVector bytes = ByteVector.fromMemorySegment(B16, w, at + qsOffset, ByteOrder.LITTLE_ENDIAN);
            int xo = xOff + b * 32;
            FloatVector sum = FloatVector.zero(F);
            FloatVector xs = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) bytes.convertShape(VectorOperators.B2I, I, p);
                IntVector index = IOTA.add(p * L);
                IntVector loHigh = high.lanewise(VectorOperators.LSHR, index).and(1).lanewise(VectorOperators.LSHL, 4);
                IntVector hiHigh = high.lanewise(VectorOperators.LSHR, index.add(16)).and(1)
                        .lanewise(VectorOperators.LSHL, 4);
                FloatVector lo = q.and(0xF).or(loHigh).or(MAGIC).reinterpretAsFloats().sub(bias);
                FloatVector hi = q.lanewise(VectorOperators.ASHR, 4).and(0xF).or(hiHigh).or(MAGIC).reinterpretAsFloats()
                        .sub(bias);
                FloatVector xl = FloatVector.fromArray(F, x, xo + p * L);
                FloatVector xh = FloatVector.fromArray(F, x, xo + 16 + p * L);
                sum = lo.fma(xl, sum);
                sum = hi.fma(xh, sum);
                xs = xs.add(xl).add(xh);
            }
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
            if (hasMin) {
                float m = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2));
                accMin = xs.fma(FloatVector.broadcast(F, m), accMin);
            }
        }
        return Lanes.sum(acc.add(accMin));
    }


    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        format.dequantize(w, off / blockBytes * 32, out, outOff, n);
    }
}
