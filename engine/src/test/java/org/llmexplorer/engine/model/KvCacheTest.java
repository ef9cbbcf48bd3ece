package org.llmexplorer.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.compute.KeyBlocks;

/** The KV cache in floats and in half precision: what goes in is what comes out, rounded as ggml rounds. */
class KvCacheTest {
    private static final int LAYERS = 2;
    private static final int KV_DIM = 16;
    private static final int HEAD_DIM = 8;
    private static final int CAPACITY = 40;

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 4)); // 1e-4 .. 1e2: normals and subnormals
        }
        return v;
    }

    private static float half(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    @Test
    void aHalfPrecisionCacheHoldsTheValuesRoundedToHalfInHalfTheBytes() {
        KvCache f32 = new KvCache(LAYERS, KV_DIM, HEAD_DIM, CAPACITY, KvCache.Type.F32);
        KvCache f16 = new KvCache(LAYERS, KV_DIM, HEAD_DIM, CAPACITY, KvCache.Type.F16);
        assertEquals(f32.bytes(), 2 * f16.bytes());
        int count = 23;
        float[] k = random(count * KV_DIM, 1);
        float[] v = random(count * KV_DIM, 2);
        for (KvCache c : new KvCache[] {f32, f16}) {
            c.store(1, k, v, 20, 0);
            c.store(1, java.util.Arrays.copyOfRange(k, 20 * KV_DIM, count * KV_DIM),
                    java.util.Arrays.copyOfRange(v, 20 * KV_DIM, count * KV_DIM), 3, 20);
        }
        float[] keys = new float[count * KV_DIM];
        float[] values = new float[count * KV_DIM];
        f32.keysByPosition(1, count, keys);
        f32.valuesByPosition(1, count, values);
        assertArrayEquals(k, keys, 0f);
        assertArrayEquals(v, values, 0f);
        f16.keysByPosition(1, count, keys);
        f16.valuesByPosition(1, count, values);
        float[] kHalf = k.clone();
        float[] vHalf = v.clone();
        for (int i = 0; i < k.length; i++) {
            kHalf[i] = half(k[i]);
            vHalf[i] = half(v[i]);
        }
        assertArrayEquals(kHalf, keys, 0f);
        assertArrayEquals(vHalf, values, 0f);
        assertNotEquals(java.util.Arrays.toString(k), java.util.Arrays.toString(keys), "half precision rounds");

        // decode() lays a head out as an F32 cache's layer holds it, heads as far apart as asked (here: as
        // far as this many positions need, not the whole capacity; values a head after another).
        int span = KvCache.span(count, HEAD_DIM);
        float[] dk = new float[span * (KV_DIM / HEAD_DIM)];
        float[] dv = new float[count * KV_DIM];
        for (int h = 0; h < KV_DIM / HEAD_DIM; h++) {
            f16.decode(1, h, count, dk, span, dv, count * HEAD_DIM);
        }
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < KV_DIM; i++) {
                assertEquals(kHalf[p * KV_DIM + i], dk[i / HEAD_DIM * span + KeyBlocks.index(p, i % HEAD_DIM, HEAD_DIM)]);
                assertEquals(vHalf[p * KV_DIM + i], dv[i / HEAD_DIM * count * HEAD_DIM + p * HEAD_DIM + i % HEAD_DIM]);
            }
        }

        // halfHead() gives attention one head's halves where they lie (HalfHead's layout), and
        // its decode() the same floats from 0: keys in blocks, values p * headDim + d.
        org.llmexplorer.engine.compute.HalfHead head = f16.halfHead(1, 1);
        float[][] decoded = head.decode(count);
        for (int p = 0; p < count; p++) {
            for (int d = 0; d < HEAD_DIM; d++) {
                assertEquals(kHalf[p * KV_DIM + HEAD_DIM + d], head.key(p, d));
                assertEquals(vHalf[p * KV_DIM + HEAD_DIM + d], head.value(p, d));
                assertEquals(kHalf[p * KV_DIM + HEAD_DIM + d], decoded[0][KeyBlocks.index(p, d, HEAD_DIM)]);
                assertEquals(vHalf[p * KV_DIM + HEAD_DIM + d], decoded[1][p * HEAD_DIM + d]);
            }
        }

        // Copies between caches: same type bit for bit, F32 into F16 rounded.
        KvCache copy = new KvCache(LAYERS, KV_DIM, HEAD_DIM, CAPACITY, KvCache.Type.F16);
        copy.copyFrom(f16, count);
        copy.keysByPosition(1, count, keys);
        assertArrayEquals(kHalf, keys, 0f);
        KvCache rounded = new KvCache(LAYERS, KV_DIM, HEAD_DIM, CAPACITY, KvCache.Type.F16);
        rounded.copyFrom(f32, count);
        rounded.valuesByPosition(1, count, values);
        assertArrayEquals(vHalf, values, 0f);
    }

    /**
     * A Q8_0 cache holds each position's keys and values quantized in blocks of 32 as ggml's
     * quantize_row_q8_0 does (ActivationRounding.Q8_0, which GgmlKernelsTest checks bit for bit
     * against it), in 36 bytes for every 32 floats' 128 (ggml's 34, with the scale kept as the
     * float its half stands for).
     */
    @Test
    void aQ8_0CacheHoldsEachPositionsBlocksOf32AsGgmlQuantizesThem() {
        int kvDim = 128;
        int headDim = 64;
        KvCache f32 = new KvCache(LAYERS, kvDim, headDim, CAPACITY, KvCache.Type.F32);
        KvCache q8 = new KvCache(LAYERS, kvDim, headDim, CAPACITY, KvCache.Type.Q8_0);
        assertEquals(f32.bytes() * 36 / 128, q8.bytes());
        int count = 23;
        float[] k = random(count * kvDim, 3);
        float[] v = random(count * kvDim, 4);
        for (KvCache c : new KvCache[] {f32, q8}) {
            c.store(0, k, v, 20, 0);
            c.store(0, java.util.Arrays.copyOfRange(k, 20 * kvDim, count * kvDim),
                    java.util.Arrays.copyOfRange(v, 20 * kvDim, count * kvDim), 3, 20);
        }
        float[] kq = new float[k.length];
        float[] vq = new float[v.length];
        org.llmexplorer.engine.tensor.ActivationRounding.Q8_0.apply(k, 0, k.length, kq, 0);
        org.llmexplorer.engine.tensor.ActivationRounding.Q8_0.apply(v, 0, v.length, vq, 0);
        float[] keys = new float[count * kvDim];
        float[] values = new float[count * kvDim];
        q8.keysByPosition(0, count, keys);
        q8.valuesByPosition(0, count, values);
        assertArrayEquals(kq, keys, 0f);
        assertArrayEquals(vq, values, 0f);
        double worst = 0;
        for (int i = 0; i < k.length; i += 32) {
            float amax = 0f;
            for (int j = i; j < i + 32; j++) {
                amax = Math.max(amax, Math.abs(k[j]));
            }
            for (int j = i; j < i + 32; j++) {
                worst = Math.max(worst, Math.abs(keys[j] - k[j]) / amax);
            }
        }
        // half a step of max/127, and the half-precision scale's rounding (2^-11 of it) times up to 127
        assertTrue(worst > 1e-3 && worst <= 0.5 / 127 + 1.0 / 2048, "at most half a step of max/127: " + worst);

        // q8Head() gives attention each head's codes and scales where they lie, in Q8_0Head's layout.
        for (int h = 0; h < 2; h++) {
            var head = q8.q8Head(0, h);
            for (int p = 0; p < count; p++) {
                for (int d = 0; d < headDim; d++) {
                    assertEquals(kq[p * kvDim + h * headDim + d], head.key(p, d), 0f); // a zero code is +0 (ggml: d * 0)
                    assertEquals(vq[p * kvDim + h * headDim + d], head.value(p, d), 0f);
                }
            }
            float[][] decoded = head.decode(count);
            for (int p = 0; p < count; p++) {
                for (int d = 0; d < headDim; d++) {
                    assertEquals(kq[p * kvDim + h * headDim + d], decoded[0][KeyBlocks.index(p, d, headDim)], 0f);
                    assertEquals(vq[p * kvDim + h * headDim + d], decoded[1][p * headDim + d], 0f);
                }
            }
        }

        // Copies: Q8_0 to Q8_0 bit for bit, F32 into Q8_0 quantized.
        KvCache copy = new KvCache(LAYERS, kvDim, headDim, CAPACITY + 37, KvCache.Type.Q8_0); // heads further apart
        copy.copyFrom(q8, count);
        copy.valuesByPosition(0, count, values);
        assertArrayEquals(vq, values, 0f);
        copy.keysByPosition(0, count, keys);
        assertArrayEquals(kq, keys, 0f);
        KvCache quantized = new KvCache(LAYERS, kvDim, headDim, CAPACITY, KvCache.Type.Q8_0);
        quantized.copyFrom(f32, count);
        quantized.keysByPosition(0, count, keys);
        assertArrayEquals(kq, keys, 0f);
    }

    @Test
    void aQ8_0CacheRefusesHeadsThatAreNotWholeBlocks() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new KvCache(LAYERS, KV_DIM, HEAD_DIM, CAPACITY, KvCache.Type.Q8_0));
        assertTrue(e.getMessage().contains("blocks of 32") && e.getMessage().contains("have 8"), e.getMessage());
    }
}
