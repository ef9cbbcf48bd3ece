package org.llmexplorer.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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
        // far as this many positions need, not the whole capacity).
        int span = KvCache.span(count, HEAD_DIM);
        float[] dk = new float[span * (KV_DIM / HEAD_DIM)];
        float[] dv = new float[count * KV_DIM];
        for (int h = 0; h < KV_DIM / HEAD_DIM; h++) {
            f16.decode(1, h, count, dk, span, dv);
        }
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < KV_DIM; i++) {
                assertEquals(kHalf[p * KV_DIM + i], dk[i / HEAD_DIM * span + KeyBlocks.index(p, i % HEAD_DIM, HEAD_DIM)]);
                assertEquals(vHalf[p * KV_DIM + i], dv[p * KV_DIM + i]);
            }
        }

        // decodeHead() gives one head from 0: keys in blocks, values p * headDim + d.
        float[] hk = new float[f16.headSpan];
        float[] hv = new float[CAPACITY * HEAD_DIM];
        f16.decodeHead(1, 1, count, hk, hv);
        for (int p = 0; p < count; p++) {
            for (int d = 0; d < HEAD_DIM; d++) {
                assertEquals(kHalf[p * KV_DIM + HEAD_DIM + d], hk[KeyBlocks.index(p, d, HEAD_DIM)]);
                assertEquals(vHalf[p * KV_DIM + HEAD_DIM + d], hv[p * HEAD_DIM + d]);
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
}
