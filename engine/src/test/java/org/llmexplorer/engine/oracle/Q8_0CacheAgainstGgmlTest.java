package org.llmexplorer.engine.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;

/**
 * Attention over a Q8_0 KV cache beside llama.cpp's: keys and values copied into Q8_0 tensors by
 * ggml's cpy (its quantizer) and attended by ggml's flash_attn_ext (its only attention over a
 * quantized cache: queries quantized to Q8_0 for the integer products with the keys, values
 * decoded to floats), with the queries, keys and values computed by ggml from our own input of
 * each layer. The model is the shared 2-layer GQA llama (4 query heads, 2 key/value heads of 64).
 */
class Q8_0CacheAgainstGgmlTest {
    static final String PROMPT = "Once upon a time, there was a little girl named Lily who loved to play outside";
    static final Path FILE = Shared.path("archs/tiny-llama-gqa-F32.gguf");
    static GgmlKernels ggml;

    @BeforeAll
    static void load() throws Exception {
        String missing = GgmlKernels.missing();
        if (missing != null && "1".equals(System.getenv("LLMX_REQUIRE_LLAMA"))) {
            throw new IllegalStateException("LLMX_REQUIRE_LLAMA=1 but " + missing);
        }
        assumeTrue(missing == null, () -> "llama.cpp not here: " + missing);
        ggml = GgmlKernels.best();
    }

    @AfterAll
    static void unload() {
        if (ggml != null) {
            ggml.close();
        }
    }

    /**
     * llama.cpp's attention heads of a llama layer over n tokens at positions 0.. from the layer's
     * input, with a Q8_0 cache and flash attention, as its graph builds them.
     */
    static float[] llamaCppHeads(GgufFile f, int layer, float[] in, int n) {
        var meta = f.metadata();
        int dim = (int) meta.get("llama.embedding_length").asLong();
        int heads = (int) meta.get("llama.attention.head_count").asLong();
        int kvHeads = (int) meta.get("llama.attention.head_count_kv").asLong();
        int hd = dim / heads;
        float eps = (float) meta.get("llama.attention.layer_norm_rms_epsilon").asDouble();
        float base = meta.containsKey("llama.rope.freq_base") ? (float) meta.get("llama.rope.freq_base").asDouble() : 10000f;
        int nCtx = (int) meta.get("llama.context_length").asLong();
        String b = "blk." + layer + ".";
        try (GgmlGraph g = new GgmlGraph(ggml, 64L << 20)) {
            var cur = g.op("mul", g.op("rms_norm", g.floats(in, dim, n), eps), g.weight(f, b + "attn_norm.weight"));
            var q = g.op("reshape_3d", g.op("mul_mat", g.weight(f, b + "attn_q.weight"), cur), (long) hd, (long) heads, (long) n);
            var k = g.op("reshape_3d", g.op("mul_mat", g.weight(f, b + "attn_k.weight"), cur), (long) hd, (long) kvHeads, (long) n);
            var v = g.op("reshape_3d", g.op("mul_mat", g.weight(f, b + "attn_v.weight"), cur), (long) hd, (long) kvHeads, (long) n);
            var pos = g.positions(n);
            q = g.op("rope_ext", q, pos, MemorySegment.NULL, hd, GgmlGraph.ROPE_NORMAL, nCtx, base, 1f, 0f, 1f, 32f, 1f);
            k = g.op("rope_ext", k, pos, MemorySegment.NULL, hd, GgmlGraph.ROPE_NORMAL, nCtx, base, 1f, 0f, 1f, 32f, 1f);
            // the cache: keys and values quantized by ggml's copy into Q8_0 tensors
            var k8 = g.op("cpy", k, g.tensor(GgmlGraph.Q8_0, hd, kvHeads, n));
            var v8 = g.op("cpy", v, g.tensor(GgmlGraph.Q8_0, hd, kvHeads, n));
            float[] mask = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    mask[i * n + j] = Float.NEGATIVE_INFINITY; // causal
                }
            }
            var heads3 = g.op("flash_attn_ext", g.op("permute", q, 0, 2, 1, 3), g.op("permute", k8, 0, 2, 1, 3),
                    g.op("permute", v8, 0, 2, 1, 3), g.halves(mask, n, n), 1f / (float) Math.sqrt(hd), 0f, 0f);
            return g.compute(heads3)[0]; // [hd, heads, n]: each token's heads side by side, as ours
        }
    }

    @Test
    void attentionOverAQ8_0CacheIsLlamaCppsFlashAttention() throws Exception {
        try (GgufFile f = GgufFile.open(FILE); Model m = Model.open(FILE)) {
            int[] ids = m.tokenizer().encode(PROMPT, true, true);
            int dim = m.config().dim();
            for (String backend : new String[] {"simd", "scalar"}) {
                try (Compute ops = Backends.create(backend, 2)) {
                    Map<String, float[]> q8 = Gemma2AgainstGgmlTest.ourSites(m, ops, ids, KvCache.Type.Q8_0);
                    Map<String, float[]> f32 = Gemma2AgainstGgmlTest.ourSites(m, ops, ids, KvCache.Type.F32);
                    for (int l = 0; l < m.config().layers(); l++) {
                        float[] in = l == 0 ? Gemma2AgainstGgmlTest.embedding(f, ids, dim, 1f) : q8.get("RESIDUAL/" + (l - 1));
                        float[] theirs = llamaCppHeads(f, l, in, ids.length);
                        double ours = Gemma2AgainstGgmlTest.relative(q8.get("HEADS/" + l), theirs);
                        double floatCache = Gemma2AgainstGgmlTest.relative(f32.get("HEADS/" + l), theirs);
                        System.out.printf(Locale.ROOT, "%s layer %d: Q8_0 cache %.2g, F32 cache %.2g of the largest "
                                + "value from llama.cpp's Q8_0 flash attention%n", backend, l, ours, floatCache);
                        assertTrue(ours < 3e-6, backend + " layer " + l + ": " + ours);
                        // what the bound tells apart: the cache's rounding is far larger than it
                        assertTrue(floatCache > 1e-4, backend + " layer " + l + ": F32 cache only " + floatCache);
                    }
                }
            }
        }
    }
}
