package org.llmexplorer.engine.model;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.compute.KeyBlocks;
import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * Keys or values of every layer in ggml's Q8_0: each position's entries (p * kvDim + i) in
 * blocks of 32 consecutive ones, an 8-bit code times the block's half-precision scale (34 bytes
 * for 32 floats' 128). Quantized as llama.cpp's CPU build quantizes what it copies into a Q8_0
 * cache: d = max|x| / 127 stored as fp16, code = round(x * 127 / max|x|), ties to even (its x86
 * SIMD rounding).
 *
 * <p>The scales lie position after position. The codes lie so that decoding for attention is a
 * run of vector multiplications: values position after position, as the entries; keys as
 * {@link KeyBlocks} lays out float keys, head after head ({@code headSpan} codes each), so that a
 * head's keys decode in place, sixteen positions of one dimension at a time, instead of being
 * scattered there one float at a time (which took a third of a token's time at depth 2048).
 */
final class Q8_0Entries {
    static final int BLOCK = 32;
    /** As many bytes as float lanes (widened with part 0 only; machines with fewer than 8 lanes decode one by one). */
    private static final VectorSpecies<Byte> BYTES = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, L * 8)));
    private static final boolean VECTORS = L >= 8;
    /** A block of positions' scales of one dimension block, per thread (decoding allocates nothing). */
    private static final ThreadLocal<float[]> BLOCK_SCALES = ThreadLocal.withInitial(() -> new float[KeyBlocks.BLOCK]);

    private final byte[][] codes;
    private final short[][] scales;
    private final int kvDim;
    private final int headDim;
    /** Codes per head in the key layout; 0 for entries position after position. */
    private final int headSpan;

    /** Entries position after position (values). */
    static Q8_0Entries byPosition(int layers, int kvDim, int headDim, int capacity) {
        return new Q8_0Entries(layers, kvDim, headDim, capacity, 0);
    }

    /** Codes laid out as {@link KeyBlocks} lays out keys (keys). */
    static Q8_0Entries inKeyBlocks(int layers, int kvDim, int headDim, int capacity) {
        return new Q8_0Entries(layers, kvDim, headDim, capacity, KeyBlocks.span(capacity, headDim));
    }

    private Q8_0Entries(int layers, int kvDim, int headDim, int capacity, int headSpan) {
        int entries = capacity * kvDim;
        this.codes = new byte[layers][headSpan == 0 ? entries : headSpan * (kvDim / headDim)];
        this.scales = new short[layers][entries / BLOCK];
        this.kvDim = kvDim;
        this.headDim = headDim;
        this.headSpan = headSpan;
    }

    /** Bytes that n entries take. */
    static long bytes(long n) {
        return n / BLOCK * (BLOCK + Short.BYTES);
    }

    /** Where the code of entry e (p * kvDim + i) lies. */
    private int code(int e) {
        if (headSpan == 0) {
            return e;
        }
        int i = e % kvDim;
        return i / headDim * headSpan + KeyBlocks.index(e / kvDim, i % headDim, headDim);
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
                q[code(at + b + j)] = (byte) Math.max(-127, Math.min(127, Math.rint(src[from + b + j] * id)));
            }
        }
    }

    /** dst[to + i] = the value of entry at + i of a layer, for i &lt; n; at and n are whole blocks. */
    void get(int layer, int at, int n, float[] dst, int to) {
        for (int i = 0; i < n; i++) {
            dst[to + i] = get(layer, at + i);
        }
    }

    /** The value of one entry. */
    float get(int layer, int e) {
        return Float.float16ToFloat(scales[layer][e / BLOCK]) * codes[layer][code(e)];
    }

    /**
     * Values (entries by position): head h's entries of positions [0, positions) into dst[to ..],
     * position after position (p * headDim + d).
     */
    void decodeHead(int layer, int h, int positions, float[] dst, int to) {
        byte[] q = codes[layer];
        short[] d = scales[layer];
        for (int p = 0; p < positions; p++) {
            int e = p * kvDim + h * headDim;
            for (int c = 0; c < headDim; c += BLOCK) {
                float scale = Float.float16ToFloat(d[(e + c) / BLOCK]);
                if (!VECTORS) {
                    for (int j = 0; j < BLOCK; j++) {
                        dst[to + p * headDim + c + j] = scale * q[e + c + j];
                    }
                    continue;
                }
                for (int j = 0; j < BLOCK; j += L) {
                    ((FloatVector) ByteVector.fromArray(BYTES, q, e + c + j).convertShape(VectorOperators.B2F, F, 0))
                            .mul(scale).intoArray(dst, to + p * headDim + c + j);
                }
            }
        }
    }

    /**
     * Keys (codes in key blocks): head h's keys of positions [0, positions) into dst[to ..] as
     * {@link KeyBlocks} lays them out, whole blocks of positions (those past the last position
     * come out as zeros).
     */
    void decodeKeyBlocks(int layer, int h, int positions, float[] dst, int to) {
        byte[] q = codes[layer];
        short[] d = scales[layer];
        float[] blockScales = BLOCK_SCALES.get();
        int base = h * headSpan;
        for (int p0 = 0; p0 < positions; p0 += KeyBlocks.BLOCK) {
            for (int c = 0; c < headDim; c += BLOCK) {
                for (int i = 0; i < KeyBlocks.BLOCK; i++) {
                    int p = p0 + i;
                    blockScales[i] = p < positions ? Float.float16ToFloat(d[(p * kvDim + h * headDim + c) / BLOCK]) : 0f;
                }
                if (!VECTORS) {
                    for (int dim = c; dim < c + BLOCK; dim++) {
                        int k = KeyBlocks.index(p0, dim, headDim);
                        for (int i = 0; i < KeyBlocks.BLOCK; i++) {
                            dst[to + k + i] = blockScales[i] * q[base + k + i];
                        }
                    }
                    continue;
                }
                for (int part = 0; part < KeyBlocks.BLOCK; part += L) {
                    FloatVector s = FloatVector.fromArray(F, blockScales, part);
                    for (int dim = c; dim < c + BLOCK; dim++) {
                        int k = KeyBlocks.index(p0, dim, headDim) + part;
                        ((FloatVector) ByteVector.fromArray(BYTES, q, base + k).convertShape(VectorOperators.B2F, F, 0))
                                .mul(s).intoArray(dst, to + k);
                    }
                }
            }
        }
    }

    /** Copies the first {@code positions} positions of every layer from a store of the same layout. */
    void copyFrom(Q8_0Entries other, int positions) {
        for (int l = 0; l < codes.length; l++) {
            System.arraycopy(other.scales[l], 0, scales[l], 0, positions * kvDim / BLOCK);
            if (headSpan == 0) {
                System.arraycopy(other.codes[l], 0, codes[l], 0, positions * kvDim);
            } else {
                int run = Math.min(KeyBlocks.span(positions, headDim), Math.min(headSpan, other.headSpan));
                for (int h = 0; h < kvDim / headDim; h++) {
                    System.arraycopy(other.codes[l], h * other.headSpan, codes[l], h * headSpan, run);
                }
            }
        }
    }

    int layers() {
        return codes.length;
    }
}
