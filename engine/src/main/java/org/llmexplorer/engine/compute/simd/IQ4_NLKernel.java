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
import org.llmexplorer.engine.tensor.format.IQ4_NLFormat;

/**
 * IQ4_NL blocks (fp16 d, 16 bytes of nibbles as in Q4_0) whose nibbles index a table of 16
 * non-uniform levels. The table lives in one vector of 16 floats (or two of 8), and each lane's
 * nibble picks its level with a lane permutation: a two-input rearrange takes indices past the
 * first vector from the second. Needs at least 8 float lanes (see {@link SimdCompute}).
 */
final class IQ4_NLKernel extends RowKernel {
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final float[] LEVELS = new float[32];
    private static final IQ4_NLFormat FORMAT = new IQ4_NLFormat();

    static {
        for (int i = 0; i < 16; i++) {
            LEVELS[i] = IQ4_NLFormat.LEVELS[i];
        }
    }

    private static final FloatVector TABLE_LO = FloatVector.fromArray(F, LEVELS, 0);
    private static final FloatVector TABLE_HI = FloatVector.fromArray(F, LEVELS, L); // levels 8..15 when L = 8

    @Override
    float dot(MemorySegment w, long off, float[] x, int xOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < n / 32; b++) {
            long at = off + (long) b * 18;
            float d = Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            ByteVector bytes = ByteVector.fromMemorySegment(B16, w, at + 2, ByteOrder.LITTLE_ENDIAN);
            int xo = xOff + b * 32;
            FloatVector sum = FloatVector.zero(F);
            for (int p = 0; p < PARTS; p++) {
                IntVector q = (IntVector) bytes.convertShape(VectorOperators.B2I, I, p);
                FloatVector lo = TABLE_LO.rearrange(q.and(0xF).toShuffle().cast(F), TABLE_HI);
                FloatVector hi = TABLE_LO.rearrange(q.lanewise(VectorOperators.ASHR, 4).and(0xF).toShuffle().cast(F),
                        TABLE_HI);
                sum = lo.fma(FloatVector.fromArray(F, x, xo + p * L), sum);
                sum = hi.fma(FloatVector.fromArray(F, x, xo + 16 + p * L), sum);
            }
            acc = sum.fma(FloatVector.broadcast(F, d), acc);
        }
        return Lanes.sum(acc);
    }


    @Override
    void dequantize(MemorySegment w, long off, int n, float[] out, int outOff) {
        FORMAT.dequantize(w, off / 18 * 32, out, outOff, n);
    }
}
