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
import org.llmexplorer.engine.tensor.format.Blocks;

/**
 * Q2_K and Q3_K: 256 values in sixteen groups of 16, each group a 2-bit field (bits {@code shift}
 * of 32 code bytes, two groups per shift) with its own scale; Q2_K adds a minimum per group
 * (value = d sc q - dmin m), Q3_K a third bit from a 32-byte mask (value = d (sc - 32) (q - 4 +
 * 4 h)). Each group's sums run in lanes and take their scale once. Codes become floats through
 * the mantissa of 2^23 (see {@link Lanes}).
 */
final class LowBitKKernel extends RowKernel {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int MAGIC = 0x4B000000; // the bits of 2^23
    private static final float TWO_23 = 8388608f;

    private final boolean three; // Q3_K, else Q2_K
    private final int blockBytes;
    private final TensorFormat format;

    LowBitKKernel(GgmlType type) {
        if (type != GgmlType.Q2_K && type != GgmlType.Q3_K) {
            throw new IllegalArgumentException(type + " is neither Q2_K nor Q3_K");
        }
        this.three = type == GgmlType.Q3_K;
        this.blockBytes = type.blockBytes;
        this.format = TensorFormats.of(type);
    }

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        FloatVector accMin = FloatVector.zero(F);
        for (int b = 0; b < n / 256; b++) {
            long at = off + (long) b * blockBytes;
            // Q2_K: 16 scale bytes, 64 code bytes, d, dmin. Q3_K: 32 mask bytes, 64 code bytes, 12 scale bytes, d.
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (three ? 108 : 80)));
            float dmin = three ? 0f : Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 82));
            long scalesLo = three ? w.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 96) : 0;
            int scalesHi = three ? w.get(ValueLayout.JAVA_INT_UNALIGNED, at + 104) : 0;
            long codes = at + (three ? 32 : 16);
            int y = xOff + b * 256;
            int group = 0;
            for (int half = 0; half < 2; half++) {
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; part++, group++, y += 16) {
                        ByteVector bytes = ByteVector.fromMemorySegment(B16, w, codes + 32L * half + 16L * part,
                                ByteOrder.LITTLE_ENDIAN);
                        ByteVector mask = three ? ByteVector.fromMemorySegment(B16, w, at + 16L * part,
                                ByteOrder.LITTLE_ENDIAN) : bytes;
                        int maskBit = half * 4 + shift / 2;
                        FloatVector sum = FloatVector.zero(F);
                        FloatVector xs = FloatVector.zero(F);
                        for (int p = 0; p < PARTS; p++) {
                            IntVector q = ((IntVector) bytes.convertShape(VectorOperators.B2I, I, p))
                                    .lanewise(VectorOperators.LSHR, shift).and(3);
                            if (three) { // the third bit set means no -4: code + 4 h, less 4 below
                                IntVector h = ((IntVector) mask.convertShape(VectorOperators.B2I, I, p))
                                        .lanewise(VectorOperators.LSHR, maskBit).and(1);
                                q = q.or(h.lanewise(VectorOperators.LSHL, 2));
                            }
                            FloatVector v = q.or(MAGIC).reinterpretAsFloats().sub(three ? TWO_23 + 4 : TWO_23);
                            FloatVector xv = FloatVector.fromArray(F, x, y + p * L);
                            sum = v.fma(xv, sum);
                            xs = xs.add(xv);
                        }
                        if (three) {
                            float dl = d * (Blocks.scaleQ3K(scalesLo, scalesHi, group) - 32);
                            acc = sum.fma(FloatVector.broadcast(F, dl), acc);
                        } else {
                            int sc = w.get(ValueLayout.JAVA_BYTE, at + group) & 0xFF;
                            acc = sum.fma(FloatVector.broadcast(F, d * (sc & 0xF)), acc);
                            accMin = xs.fma(FloatVector.broadcast(F, -dmin * (sc >>> 4)), accMin);
                        }
                    }
                }
            }
        }
        return Lanes.sum(acc.add(accMin));
    }


    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        format.dequantize(w, off / blockBytes * 256, out, outOff, n);
    }
}
