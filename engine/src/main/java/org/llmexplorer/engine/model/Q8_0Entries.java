package org.llmexplorer.engine.model;

import org.llmexplorer.engine.compute.KeyBlocks;
import org.llmexplorer.engine.compute.Q8_0Head;
import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * Keys or values of every layer in ggml's Q8_0: each position's entries of a head in blocks of
 * 32 consecutive ones, an 8-bit code times the block's scale. Quantized as llama.cpp's CPU build
 * quantizes what it copies into a Q8_0 cache: d = max|x| / 127 rounded to half precision,
 * code = round(x * 127 / max|x|), ties to even (its x86 SIMD rounding).
 *
 * <p>Laid out for attention to read in place ({@link Q8_0Head}), head after head: keys' codes
 * as {@link KeyBlocks} lays out float keys and their scales in key blocks of their own, values'
 * codes and scales position after position. A head's run of positions is then one stretch of
 * memory (read from the cache by position, every head's entries side by side, a head ran at half
 * the speed), and no float copy of the cache is ever made (decoding a head to floats first took
 * two thirds of attention's time at depth 4096). The scales are kept as the floats their halves
 * stand for, so that attention loads sixteen of them as one vector: 36 bytes for every 32
 * floats' 128, where ggml's blocks take 34.
 */
final class Q8_0Entries {
    static final int BLOCK = Q8_0Head.BLOCK;
    /** Codes past the last head's: a vector of L bytes may be read from any code's index. */
    private static final int PAD = 64;

    private final byte[][] codes;
    private final float[][] scales;
    private final int kvDim;
    private final int headDim;
    /** Scales per position of a head. */
    private final int blocks;
    private final boolean keyBlocks;
    /** Codes and scales of one head. */
    private final int codeSpan;
    private final int scaleSpan;

    /** Values: position after position within each head. */
    static Q8_0Entries values(int layers, int kvDim, int headDim, int capacity) {
        return new Q8_0Entries(layers, kvDim, headDim, capacity, false);
    }

    /** Keys: codes and scales in {@link KeyBlocks} within each head. */
    static Q8_0Entries keys(int layers, int kvDim, int headDim, int capacity) {
        return new Q8_0Entries(layers, kvDim, headDim, capacity, true);
    }

    private Q8_0Entries(int layers, int kvDim, int headDim, int capacity, boolean keyBlocks) {
        this.kvDim = kvDim;
        this.headDim = headDim;
        this.blocks = headDim / BLOCK;
        this.keyBlocks = keyBlocks;
        this.codeSpan = keyBlocks ? KeyBlocks.span(capacity, headDim) : capacity * headDim;
        this.scaleSpan = keyBlocks ? KeyBlocks.span(capacity, blocks) : capacity * blocks;
        int heads = kvDim / headDim;
        this.codes = new byte[layers][codeSpan * heads + PAD];
        this.scales = new float[layers][scaleSpan * heads];
    }

    /** Bytes that n entries take. */
    static long bytes(long n) {
        return n / BLOCK * (BLOCK + Float.BYTES);
    }

    private int codeIndex(int p, int h, int d) {
        return h * codeSpan + (keyBlocks ? KeyBlocks.index(p, d, headDim) : p * headDim + d);
    }

    private int scaleIndex(int p, int h, int c) {
        return h * scaleSpan + (keyBlocks ? KeyBlocks.index(p, c, blocks) : p * blocks + c);
    }

    /**
     * Quantizes src[from .. from + n) into entries [at, at + n) of a layer (entry p * kvDim + i);
     * at and n are whole blocks.
     */
    void set(int layer, float[] src, int from, int at, int n) {
        byte[] q = codes[layer];
        float[] d = scales[layer];
        float jitter = ActivationRounding.scaleJitter(); // 1 but when the differential rule nudges roundings
        for (int b = 0; b < n; b += BLOCK) {
            int p = (at + b) / kvDim;
            int i = (at + b) % kvDim;
            int h = i / headDim;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(src[from + b + j]));
            }
            d[scaleIndex(p, h, i % headDim / BLOCK)] = Float.float16ToFloat(Float.floatToFloat16(amax * jitter / 127f));
            float id = amax != 0f ? 127f / amax * jitter : 0f;
            for (int j = 0; j < BLOCK; j++) {
                q[codeIndex(p, h, i % headDim + j)] = (byte) Math.max(-127, Math.min(127, Math.rint(src[from + b + j] * id)));
            }
        }
    }

    /** dst[to + i] = the value of entry at + i of a layer, for i &lt; n. */
    void get(int layer, int at, int n, float[] dst, int to) {
        for (int i = 0; i < n; i++) {
            int e = at + i;
            int p = e / kvDim;
            int h = e % kvDim / headDim;
            int d = e % headDim;
            dst[to + i] = scales[layer][scaleIndex(p, h, d / BLOCK)] * codes[layer][codeIndex(p, h, d)];
        }
    }

    /** A layer's codes, every head's ({@link #codeBase} apart). */
    byte[] codes(int layer) {
        return codes[layer];
    }

    /** A layer's scales, every head's ({@link #scaleBase} apart). */
    float[] scales(int layer) {
        return scales[layer];
    }

    /** Where head h's codes and scales start. */
    int codeBase(int h) {
        return h * codeSpan;
    }

    int scaleBase(int h) {
        return h * scaleSpan;
    }

    /** Copies the first {@code positions} positions of every layer from a store of the same layout. */
    void copyFrom(Q8_0Entries other, int positions) {
        // keys: whole blocks of positions (later positions get written over)
        int codeRun = Math.min(keyBlocks ? KeyBlocks.span(positions, headDim) : positions * headDim,
                Math.min(codeSpan, other.codeSpan));
        int scaleRun = Math.min(keyBlocks ? KeyBlocks.span(positions, blocks) : positions * blocks,
                Math.min(scaleSpan, other.scaleSpan));
        for (int l = 0; l < codes.length; l++) {
            for (int h = 0; h < kvDim / headDim; h++) {
                System.arraycopy(other.codes[l], h * other.codeSpan, codes[l], h * codeSpan, codeRun);
                System.arraycopy(other.scales[l], h * other.scaleSpan, scales[l], h * scaleSpan, scaleRun);
            }
        }
    }

    int layers() {
        return codes.length;
    }
}
