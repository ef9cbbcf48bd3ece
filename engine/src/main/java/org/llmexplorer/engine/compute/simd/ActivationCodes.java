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
 * Activations quantized to 8-bit integer codes, the form llama.cpp multiplies quantized weights
 * with: per block a scale d and codes q in [-127, 127], value d q. The codes and scales are
 * exactly those of the matching {@link ActivationRounding} (same scale, same jitter,
 * nearest-even rounding). {@link #sums} holds each 32 codes' sum, for the weights' offsets and
 * minimums. One instance serves one caller at a time: its arrays are reused from product to
 * product, and filled before the threads of a product read them.
 */
abstract sealed class ActivationCodes {
    private static final VectorSpecies<Short> CODES = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final VectorSpecies<Short> SUBSET = ShortVector.SPECIES_256; // sixteen sums
    static final float ROUND = 12582912f; // 1.5 * 2^23: adding and subtracting it rounds to nearest even

    short[] codes = new short[0];
    /** One per block (32 values for Q8_0, 256 for Q8_K). */
    float[] scales = new float[0];
    /** The sum of each 32 codes. */
    short[] sums = new short[0];
    /**
     * The sum of each 8 codes (Q8_K only: Q6_K's sums run eight columns at a time, and Q2_K's and
     * Q3_K's sub-blocks of 16 take two of them).
     */
    short[] sums8 = new short[0];
    /**
     * For each four codes from i (i a multiple of 4), sixteen times the sums of their sixteen
     * subsets: subsets[4 i + e] is 16 times the sum of the codes i + t for the bits t set in e (at
     * most 16 * 4 * 127 = 8128). Q5_K's kernel looks the sum of its fifth bits (worth 16 each)
     * times four columns' codes up in one vector permutation, the four bits as index. Filled on
     * demand by {@link #subsetSums}.
     */
    short[] subsets = new short[0];

    /** Fills {@link #subsets} for the first n codes (n a multiple of 4). */
    final void subsetSums(int n) {
        if (subsets.length < 4 * n + 64) {
            subsets = new short[4 * n + 64]; // room for two whole vectors read at the last four codes
        }
        ShortVector bit0 = ShortVector.zero(SUBSET).addIndex(1).and((short) 1).mul((short) 16);
        ShortVector bit1 = ShortVector.zero(SUBSET).addIndex(1).lanewise(VectorOperators.LSHR, 1).and((short) 1).mul((short) 16);
        ShortVector bit2 = ShortVector.zero(SUBSET).addIndex(1).lanewise(VectorOperators.LSHR, 2).and((short) 1).mul((short) 16);
        ShortVector bit3 = ShortVector.zero(SUBSET).addIndex(1).lanewise(VectorOperators.LSHR, 3).mul((short) 16);
        for (int i = 0; i < n; i += 4) {
            bit0.mul(codes[i]).add(bit1.mul(codes[i + 1])).add(bit2.mul(codes[i + 2])).add(bit3.mul(codes[i + 3]))
                    .intoArray(subsets, 4 * i);
        }
    }

    /** The codes, or the values they stand for, as floats: filled by {@link #asFloats} and {@link #values}. */
    private float[] floats = new float[0];
    /** Values per scale: 32 for Q8_0, 256 for Q8_K. */
    private final int block;

    ActivationCodes(int block) {
        this.block = block;
    }

    /** The scale of the block that holds code i. */
    final float scale(int i) {
        return scales[i / block];
    }

    /** Quantizes x[off .. off + n), n a multiple of the block. */
    abstract void quantize(float[] x, int off, int n);

    /** The first n codes as floats (exact small integers), for tiles that apply the scales per block. */
    final float[] asFloats(int n) {
        float[] out = floats(n);
        for (int i = 0; i < n; i++) {
            out[i] = codes[i];
        }
        return out;
    }

    /**
     * The values the first n codes stand for, d q: exactly what {@link ActivationRounding} gives
     * for the same activations (the same product of the same two floats).
     */
    final float[] values(int n) {
        float[] out = floats(n);
        for (int i = 0; i < n; i++) {
            out[i] = scales[i / block] * codes[i];
        }
        return out;
    }

    private float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }

    final void grow(int n) {
        if (codes.length < n) {
            codes = new short[n];
            scales = new float[n / block];
            sums = new short[n / 32];
            sums8 = new short[n / 8];
        }
    }

    /**
     * Codes of x[at .. at + 32) times id, rounded, at most 127 (Q8_K's clamp, which llama.cpp and
     * ActivationRounding keep too; with these scales no code reaches 128), stored at codes[to ..];
     * returns their sum.
     */
    final int round32(float[] x, int at, float id, int to) {
        int sum = 0;
        for (int j = 0; j < 32; j += L) {
            ShortVector q = (ShortVector) FloatVector.fromArray(F, x, at + j).mul(id).add(ROUND).sub(ROUND).min(127f)
                    .convertShape(VectorOperators.F2S, CODES, 0);
            q.intoArray(codes, to + j);
            sum += q.reduceLanesToLong(VectorOperators.ADD);
        }
        return sum;
    }

    /** Q8_0: per block of 32, d = fp16(max|x| / 127), q = round(x * 127 / max|x|), for Q4_0 and Q8_0 weights. */
    static final class Q8_0 extends ActivationCodes {
        Q8_0() {
            super(32);
        }

        @Override
        void quantize(float[] x, int off, int n) {
            grow(n);
            float jitter = ActivationRounding.scaleJitter();
            for (int b = 0; b < n / 32; b++) {
                int at = off + b * 32;
                FloatVector amaxV = FloatVector.zero(F);
                for (int j = 0; j < 32; j += L) {
                    amaxV = amaxV.max(FloatVector.fromArray(F, x, at + j).abs());
                }
                float amax = amaxV.reduceLanes(VectorOperators.MAX);
                scales[b] = Float.float16ToFloat(Float.floatToFloat16(amax * jitter / 127f));
                sums[b] = (short) round32(x, at, amax != 0f ? 127f / amax * jitter : 0f, b * 32);
            }
        }
    }

    /**
     * Q8_K: per block of 256, the value of largest magnitude, max, maps to -127: q =
     * min(127, round(-127 x / max)), d = max / -127 as a float, for the K-quants.
     */
    static final class Q8_K extends ActivationCodes {
        Q8_K() {
            super(256);
        }

        @Override
        void quantize(float[] x, int off, int n) {
            grow(n);
            float jitter = ActivationRounding.scaleJitter();
            for (int b = 0; b < n / 256; b++) {
                int at = off + b * 256;
                float amax = 0f;
                float max = 0f;
                for (int j = 0; j < 256; j++) {
                    float v = x[at + j];
                    if (Math.abs(v) > amax) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                float iscale = amax == 0f ? 0f : -127f / max * jitter;
                scales[b] = amax == 0f ? 0f : 1f / iscale;
                for (int s = 0; s < 8; s++) {
                    sums[b * 8 + s] = (short) round32(x, at + s * 32, iscale, b * 256 + s * 32);
                }
                for (int e = b * 32; e < b * 32 + 32; e++) {
                    int sum = 0;
                    for (int j = 0; j < 8; j++) {
                        sum += codes[e * 8 + j];
                    }
                    sums8[e] = (short) sum;
                }
            }
        }
    }
}
