package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * One activation vector quantized to Q8_0 as integer codes, the form llama.cpp multiplies Q4_0
 * weights with: per block of 32 a half-precision scale d and codes q in [-127, 127], so that the
 * value is d q. The codes and scales are exactly those of {@link ActivationRounding#Q8_0} (same
 * scale, same jitter, nearest-even rounding). {@link #offset} holds 8 times the sum of each
 * block's codes, modulo 2^16: what Q4_0's offset of 8 takes off a block's integer sum.
 */
final class Q8_0Codes {
    private static final VectorSpecies<Short> CODES = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding and subtracting it rounds to nearest even

    short[] codes = new short[0];
    float[] scales = new float[0];
    short[] offset = new short[0];

    /** Quantizes x[off .. off + n), n a multiple of 32. */
    void quantize(float[] x, int off, int n) {
        if (codes.length < n) {
            codes = new short[n];
            scales = new float[n / 32];
            offset = new short[n / 32];
        }
        float jitter = ActivationRounding.scaleJitter();
        for (int b = 0; b < n / 32; b++) {
            int at = off + b * 32;
            FloatVector amaxV = FloatVector.zero(F);
            for (int j = 0; j < 32; j += L) {
                amaxV = amaxV.max(FloatVector.fromArray(F, x, at + j).abs());
            }
            float amax = amaxV.reduceLanes(VectorOperators.MAX);
            scales[b] = Float.float16ToFloat(Float.floatToFloat16(amax * jitter / 127f));
            float id = amax != 0f ? 127f / amax * jitter : 0f;
            int sum = 0;
            for (int j = 0; j < 32; j += L) {
                ShortVector q = (ShortVector) FloatVector.fromArray(F, x, at + j).mul(id).add(ROUND).sub(ROUND)
                        .convertShape(VectorOperators.F2S, CODES, 0);
                q.intoArray(codes, b * 32 + j);
                sum += q.reduceLanesToLong(VectorOperators.ADD);
            }
            offset[b] = (short) (8 * sum);
        }
    }
}
