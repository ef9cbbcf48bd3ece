package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.tensor.format.BF16Format;

/**
 * 16-bit float weights (IEEE half or bfloat16) widened to float32 lanes in registers.
 * The Vector API has no half-precision conversion, so the bits are rebuilt with integer ops.
 */
final class HalfKernel extends RowKernel {
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final ValueLayout.OfShort SH = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final boolean brain;

    /** @param brain true for bfloat16, false for IEEE half precision */
    HalfKernel(boolean brain) {
        this.brain = brain;
    }

    private FloatVector load(MemorySegment w, long byteOffset) {
        IntVector bits = (IntVector) ShortVector.fromMemorySegment(S, w, byteOffset, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
        if (brain) {
            return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        return halfBitsToFloat(bits);
    }

    /** IEEE binary16 bits (in the low 16 bits of each lane) to float32, subnormals, inf and NaN included. */
    static FloatVector halfBitsToFloat(IntVector h) {
        IntVector magnitude = h.and(0x7FFF);
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        // Rebiasing the exponent by a multiply also normalises subnormal halves.
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector special = shifted.or(0x7F800000);
        IntVector bits = finite.blend(special, magnitude.compare(VectorOperators.GE, 0x7C00));
        return bits.or(sign).reinterpretAsFloats();
    }

    private float scalar(MemorySegment w, long byteOffset) {
        short s = w.get(SH, byteOffset);
        return brain ? BF16Format.toFloat(s) : Float.float16ToFloat(s);
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = load(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += scalar(w, off + 2L * i) * x[xOff + i];
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
            accA = load(w, a + 2L * i).fma(xv, accA);
            accB = load(w, b + 2L * i).fma(xv, accB);
        }
        float sumA = Lanes.sum(accA);
        float sumB = Lanes.sum(accB);
        for (; i < n; i++) {
            sumA += scalar(w, a + 2L * i) * x[xOff + i];
            sumB += scalar(w, b + 2L * i) * x[xOff + i];
        }
        out[outA] = sumA;
        out[outB] = sumB;
    }

    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        int i = 0;
        for (; i + L <= n; i += L) {
            load(w, off + 2L * i).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = scalar(w, off + 2L * i);
        }
    }
}
