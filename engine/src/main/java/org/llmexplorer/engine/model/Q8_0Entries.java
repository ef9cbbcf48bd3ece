package org.llmexplorer.engine.model;

import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * Keys or values of every layer in ggml's Q8_0: blocks of 32 consecutive entries, each an 8-bit
 * code times the block's half-precision scale (34 bytes for 32 floats' 128). Quantized as
 * llama.cpp's CPU build quantizes what it copies into a Q8_0 cache: d = max|x| / 127 stored as
 * fp16, code = round(x * 127 / max|x|), ties to even (its x86 SIMD rounding).
 */
final class Q8_0Entries {
    static final int BLOCK = 32;

    private final byte[][] codes;
    private final short[][] scales;

    Q8_0Entries(int layers, int entries) {
        this.codes = new byte[layers][entries];
        this.scales = new short[layers][entries / BLOCK];
    }

    /** Bytes that n entries take. */
    static long bytes(long n) {
        return n / BLOCK * (BLOCK + Short.BYTES);
    }

    /** Quantizes src[from .. from + n) into entries [at, at + n) of a layer; at and n are whole blocks. */
    void set(int layer, float[] src, int from, int at, int n) {
        byte[] q = codes[layer];
        short[] d = scales[layer];
        float jitter = ActivationRounding.scaleJitter(); // 1 but when the differential rule nudges roundings
        for (int b = 0; b < n; b += BLOCK) {
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(src[from + b + j]));
            }
            d[(at + b) / BLOCK] = Float.floatToFloat16(amax * jitter / 127f);
            float id = amax != 0f ? 127f / amax * jitter : 0f;
            for (int j = 0; j < BLOCK; j++) {
                q[at + b + j] = (byte) Math.max(-127, Math.min(127, Math.rint(src[from + b + j] * id)));
            }
        }
    }

    /** dst[to + i] = the value of entry at + i of a layer, for i &lt; n; at and n are whole blocks. */
    void get(int layer, int at, int n, float[] dst, int to) {
        byte[] q = codes[layer];
        short[] d = scales[layer];
        for (int b = 0; b < n; b += BLOCK) {
            float scale = Float.float16ToFloat(d[(at + b) / BLOCK]);
            for (int j = 0; j < BLOCK; j++) {
                dst[to + b + j] = scale * q[at + b + j];
            }
        }
    }

    /** The value of one entry. */
    float get(int layer, int index) {
        return Float.float16ToFloat(scales[layer][index / BLOCK]) * codes[layer][index];
    }

    /** Copies entries [0, n) of every layer from another store; n is whole blocks. */
    void copyFrom(Q8_0Entries other, int n) {
        for (int l = 0; l < codes.length; l++) {
            System.arraycopy(other.codes[l], 0, codes[l], 0, n);
            System.arraycopy(other.scales[l], 0, scales[l], 0, n / BLOCK);
        }
    }

    int layers() {
        return codes.length;
    }
}
