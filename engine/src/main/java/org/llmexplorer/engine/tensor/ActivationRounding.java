package org.llmexplorer.engine.tensor;

/**
 * llama.cpp's CPU matrix products do not multiply weights with float activations: they first
 * convert the activation row to the weight type's companion format ("vec_dot_type"), e.g. Q8_0
 * for Q8_0 and Q4_0 weights, fp16 for F16 weights. A product is then exact integer or half
 * arithmetic on those values. Rounding our float activations to exactly those values before the
 * dot product gives the same numbers up to float summation order, which is what makes greedy
 * tokens agree with llama.cpp on models whose top two candidates are close.
 */
public enum ActivationRounding {
    /** Activations stay float32 (F32 weights). */
    NONE,
    /** Rounded to IEEE half precision, nearest even (F16 weights). */
    F16,
    /** Rounded to bfloat16, nearest even (BF16 weights). */
    BF16,
    /**
     * Quantized in blocks of 32 to 8-bit codes with an fp16 scale, as for Q8_0 / Q4_0 weights:
     * d = max|x| / 127, q = round(x * 127 / max|x|) (nearest even, as the x86 SIMD code does),
     * value = fp16(d) * q. Q4_1 and Q5_1 weights use Q8_1, which rounds values the same way.
     */
    Q8_0,
    /**
     * Quantized in blocks of 256 for the K-quants (Q8_K): the value of largest magnitude, max,
     * maps to -127; q = min(127, round(-127 x / max)) (nearest even), value = q / (-127 / max)
     * with a float32 scale.
     */
    Q8_K;

    private static volatile float scaleJitter = 1f;

    /**
     * Multiplies the inverse scale of the Q8_0 and Q8_K roundings (and what Q8_0's half-precision
     * scale is rounded from, so that it may round the other way), the activations before the fp16
     * and bf16 roundings (and, for float weights, the activations themselves), by {@code factor}
     * (1 restores them). Only for measuring how far a model's output moves when
     * activations differ in the last bits, as they do between llama.cpp's summation orders and ours.
     */
    public static void jitterScale(float factor) {
        scaleJitter = factor;
    }

    /** The factor set by {@link #jitterScale} (1 normally). */
    public static float scaleJitter() {
        return scaleJitter;
    }

    /** The rounding llama.cpp applies to activations multiplied with weights of this type. */
    public static ActivationRounding forWeights(GgmlType type) {
        return switch (type) {
            case F16 -> F16;
            case BF16 -> BF16;
            case Q8_0, Q4_0, Q5_0, IQ4_NL, Q4_1, Q5_1 -> Q8_0;
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> Q8_K;
            default -> NONE;
        };
    }

    /** Writes the rounded values of src[off .. off + n) to dst[dOff ..]; n is a multiple of the block. */
    public void apply(float[] src, int off, int n, float[] dst, int dOff) {
        switch (this) {
            case NONE -> {
                if (scaleJitter == 1f) {
                    System.arraycopy(src, off, dst, dOff, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[dOff + i] = src[off + i] * scaleJitter;
                    }
                }
            }
            case F16 -> {
                float j = scaleJitter;
                for (int i = 0; i < n; i++) {
                    dst[dOff + i] = Float.float16ToFloat(Float.floatToFloat16(src[off + i] * j));
                }
            }
            case BF16 -> {
                float j = scaleJitter;
                for (int i = 0; i < n; i++) {
                    dst[dOff + i] = toBf16AndBack(src[off + i] * j);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < n; b += 32) {
                    float amax = 0f;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(src[off + b + j]));
                    }
                    float d = Float.float16ToFloat(Float.floatToFloat16(amax * scaleJitter / 127f));
                    float id = amax != 0f ? 127f / amax * scaleJitter : 0f;
                    for (int j = 0; j < 32; j++) {
                        dst[dOff + b + j] = d * (float) Math.rint(src[off + b + j] * id);
                    }
                }
            }
            case Q8_K -> {
                for (int b = 0; b < n; b += 256) {
                    float amax = 0f;
                    float max = 0f;
                    for (int j = 0; j < 256; j++) {
                        float v = src[off + b + j];
                        if (Math.abs(v) > amax) {
                            amax = Math.abs(v);
                            max = v;
                        }
                    }
                    if (amax == 0f) {
                        java.util.Arrays.fill(dst, dOff + b, dOff + b + 256, 0f);
                        continue;
                    }
                    float iscale = -127f / max * scaleJitter;
                    float d = 1f / iscale;
                    for (int j = 0; j < 256; j++) {
                        float q = Math.min(127f, (float) Math.rint(iscale * src[off + b + j]));
                        dst[dOff + b + j] = d * q;
                    }
                }
            }
        }
    }

    static float toBf16AndBack(float f) {
        int u = Float.floatToRawIntBits(f);
        int h;
        if ((u & 0x7FFFFFFF) > 0x7F800000) {
            h = (u >>> 16) | 64; // keep NaN a quiet NaN
        } else {
            h = (u + (0x7FFF + ((u >>> 16) & 1))) >>> 16;
        }
        return Float.intBitsToFloat(h << 16);
    }
}
