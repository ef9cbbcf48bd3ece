package org.llmexplorer.engine.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.bench.RandomModels;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.model.GoldenJudging;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.Probe;
import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * Our gemma2 layers beside the same layers built from llama.cpp's own ggml operations, in the
 * order its gemma2 graph has them (src/models/gemma2.cpp, and llama-graph.cpp's attention without
 * flash attention): attention soft-capping, post-norms, GeGLU, the sliding window of even layers.
 * Each block is given our own values at its input, so a difference is that block's alone. The
 * model is the random 26-layer gemma2 in Q2_K (seed 3) where the differential sweep once found a
 * divergence it could not explain; the second test traces it to one rounding.
 */
class Gemma2AgainstGgmlTest {
    static final String PROMPT = "Once upon a time, there was a little girl";
    @TempDir
    static Path dir;
    static GgmlKernels ggml;
    static Path file;

    @BeforeAll
    static void load() throws IOException {
        String missing = GgmlKernels.missing() != null ? GgmlKernels.missing() : LlamaOracle.missing();
        if (missing != null && "1".equals(System.getenv("LLMX_REQUIRE_LLAMA"))) {
            throw new IllegalStateException("LLMX_REQUIRE_LLAMA=1 but " + missing);
        }
        assumeTrue(missing == null, () -> "llama.cpp not here: " + missing);
        ggml = GgmlKernels.best();
        file = dir.resolve("gemma2-Q2_K-3.gguf");
        RandomModels.like(Shared.path("archs/tiny-gemma2-F32.gguf"), GgmlType.Q2_K, 3, file);
    }

    @AfterAll
    static void unload() {
        if (ggml != null) {
            ggml.close();
        }
    }

    /** Our values at every probe site of every layer ("HEADS/0", "RESIDUAL/25", ...) for a pass over ids. */
    static Map<String, float[]> ourSites(Model m, Compute ops, int[] ids) {
        return ourSites(m, ops, ids, org.llmexplorer.engine.model.KvCache.Type.F32);
    }

    /** As {@link #ourSites(Model, Compute, int[])} with the KV cache in this type. */
    static Map<String, float[]> ourSites(Model m, Compute ops, int[] ids, org.llmexplorer.engine.model.KvCache.Type kv) {
        Map<String, float[]> sites = new HashMap<>();
        Generator g = new Generator(m, ops, ids.length, ids.length, kv);
        g.state().probe(new Probe() {
            @Override
            public boolean watches(Site site, int layer) {
                return true;
            }

            @Override
            public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                sites.put(site + "/" + layer, Arrays.copyOf(values, count * width));
                return false;
            }
        });
        g.logits(ids, (i, l, off) -> { });
        return sites;
    }

    /** The input of layer 0 as llama.cpp makes it for gemma: rows of token_embd dequantized, times sqrtf(n_embd). */
    static float[] embedding(GgufFile f, int[] ids, int dim) {
        return embedding(f, ids, dim, (float) Math.sqrt(dim));
    }

    /** Rows of token_embd dequantized, times scale (1 for llama). */
    static float[] embedding(GgufFile f, int[] ids, int dim, float scale) {
        GgufTensorInfo emb = f.tensors().stream().filter(t -> t.name().equals("token_embd.weight")).findFirst().orElseThrow();
        float[] x = new float[ids.length * dim];
        for (int i = 0; i < ids.length; i++) {
            TensorFormats.of(emb.type()).dequantize(f.data(emb), (long) ids[i] * dim, x, i * dim, dim);
            for (int d = 0; d < dim; d++) {
                x[i * dim + d] *= scale;
            }
        }
        return x;
    }

    /**
     * llama.cpp's gemma2 layer L over n tokens at positions 0.., block by block: the heads (before
     * the output projection) from the layer's input, the attention block's output from our heads,
     * the feed-forward block's output from our attention output. Hyperparameters as llama.cpp
     * reads them from the file.
     */
    static float[][] llamaCppBlocks(GgufFile f, int layer, float[] in, float[] ourHeads, float[] ourAttention, int n) {
        Map<String, org.llmexplorer.engine.gguf.GgufValue> meta = f.metadata();
        int dim = (int) meta.get("gemma2.embedding_length").asLong();
        int heads = (int) meta.get("gemma2.attention.head_count").asLong();
        int kvHeads = (int) meta.get("gemma2.attention.head_count_kv").asLong();
        int hd = (int) meta.get("gemma2.attention.key_length").asLong();
        float eps = (float) meta.get("gemma2.attention.layer_norm_rms_epsilon").asDouble();
        float cap = (float) meta.get("gemma2.attn_logit_softcapping").asDouble();
        int window = (int) meta.get("gemma2.attention.sliding_window").asLong();
        float base = (float) meta.get("gemma2.rope.freq_base").asDouble();
        int nCtx = (int) meta.get("gemma2.context_length").asLong();
        String b = "blk." + layer + ".";
        try (GgmlGraph g = new GgmlGraph(ggml, 64L << 20)) {
            var cur = g.op("mul", g.op("rms_norm", g.floats(in, dim, n), eps), g.weight(f, b + "attn_norm.weight"));
            var q = g.op("reshape_3d", g.op("mul_mat", g.weight(f, b + "attn_q.weight"), cur), (long) hd, (long) heads, (long) n);
            var k = g.op("reshape_3d", g.op("mul_mat", g.weight(f, b + "attn_k.weight"), cur), (long) hd, (long) kvHeads, (long) n);
            var v = g.op("reshape_3d", g.op("mul_mat", g.weight(f, b + "attn_v.weight"), cur), (long) hd, (long) kvHeads, (long) n);
            var pos = g.positions(n);
            q = g.op("rope_ext", q, pos, java.lang.foreign.MemorySegment.NULL, hd, GgmlGraph.ROPE_NEOX, nCtx, base, 1f, 0f, 1f, 32f, 1f);
            k = g.op("rope_ext", k, pos, java.lang.foreign.MemorySegment.NULL, hd, GgmlGraph.ROPE_NEOX, nCtx, base, 1f, 0f, 1f, 32f, 1f);
            q = g.op("scale", q, 1f / (float) Math.sqrt(hd)); // llama.cpp's f_attention_scale below 46 layers
            var kq = g.op("mul_mat", g.op("permute", k, 0, 2, 1, 3), g.op("permute", q, 0, 2, 1, 3));
            kq = g.op("scale", g.op("tanh", g.op("scale", kq, 1f / cap)), cap);
            float[] mask = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    boolean seen = j <= i && (layer % 2 != 0 || i - j < window); // even layers: the sliding window
                    mask[i * n + j] = seen ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
            kq = g.op("soft_max_ext", kq, g.floats(mask, n, n), 1f, 0f);
            var kqv = g.op("mul_mat", g.op("cont", g.op("permute", v, 1, 2, 0, 3)), kq);
            var outHeads = g.op("cont_2d", g.op("permute", kqv, 0, 2, 1, 3), (long) hd * heads, (long) n);
            var att = g.op("mul_mat", g.weight(f, b + "attn_output.weight"), g.floats(ourHeads, (long) hd * heads, n));
            att = g.op("mul", g.op("rms_norm", att, eps), g.weight(f, b + "post_attention_norm.weight"));
            float[] sa = ourAttention.clone();
            for (int i = 0; i < sa.length; i++) {
                sa[i] += in[i];
            }
            var fx = g.op("mul", g.op("rms_norm", g.floats(sa, dim, n), eps), g.weight(f, b + "ffn_norm.weight"));
            var ffn = g.op("geglu_split", g.op("mul_mat", g.weight(f, b + "ffn_gate.weight"), fx),
                    g.op("mul_mat", g.weight(f, b + "ffn_up.weight"), fx));
            ffn = g.op("mul_mat", g.weight(f, b + "ffn_down.weight"), ffn);
            ffn = g.op("mul", g.op("rms_norm", ffn, eps), g.weight(f, b + "post_ffw_norm.weight"));
            return g.compute(outHeads, att, ffn);
        }
    }

    /** Largest |a - b| over largest |b|. */
    static double relative(float[] a, float[] b) {
        double d = 0;
        double max = 0;
        for (int i = 0; i < b.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
            max = Math.max(max, Math.abs(b[i]));
        }
        return d / max;
    }

    @Test
    void everyBlockOfEveryLayerIsLlamaCppsOnTheSameInput() throws Exception {
        try (GgufFile f = GgufFile.open(file); Model m = Model.open(file); Compute ops = Backends.create("simd", 2)) {
            int[] ids = m.tokenizer().encode(PROMPT, true, true);
            int dim = m.config().dim();
            Map<String, float[]> ours = ourSites(m, ops, ids);
            double[] worst = new double[3];
            for (int l = 0; l < m.config().layers(); l++) {
                float[] in = l == 0 ? embedding(f, ids, dim) : ours.get("RESIDUAL/" + (l - 1));
                float[][] theirs = llamaCppBlocks(f, l, in, ours.get("HEADS/" + l), ours.get("ATTENTION_OUT/" + l), ids.length);
                String[] sites = {"HEADS/", "ATTENTION_OUT/", "FFN_OUT/"};
                for (int s = 0; s < 3; s++) {
                    double r = relative(theirs[s], ours.get(sites[s] + l));
                    worst[s] = Math.max(worst[s], r);
                    assertTrue(r < 2e-6, sites[s] + l + ": " + r + " of the largest value from llama.cpp's");
                }
            }
            System.out.printf(java.util.Locale.ROOT, "largest difference from llama.cpp's ops over 26 layers: heads %.2g, "
                    + "attention out %.2g, feed-forward out %.2g (of the largest value)%n", worst[0], worst[1], worst[2]);
        }
    }

    /**
     * The differential sweep's unexplained gemma2 Q2_K seed-3 divergence (position 8 of this
     * prompt, llama.cpp's margin 0.29): our layer-0 heads differ from llama.cpp's by summation
     * order only (under 2e-6 of the largest, the bound of the test above), yet that moves one
     * block of the output projection's Q8_0 activations across a rounding (its half-precision
     * scale), and the 25 layers after it carry that to another token. With llama.cpp's heads put
     * in at layer 0, our engine gives llama.cpp's token, at a probability within the range that
     * our roundings nudged by the differential rule give (on the AVX-512 machine of 2026-12-06,
     * with the integer Q8_0 products: 0.719, and 0.003 to 0.723 nudged, llama.cpp 0.619: the
     * position is that fragile).
     */
    @Test
    void theGemma2Q2_KDivergenceIsOneRoundingInLayerZero() throws Exception {
        try (GgufFile f = GgufFile.open(file); Model m = Model.open(file); Compute ops = Backends.create("simd", 2);
             LlamaOracle oracle = LlamaOracle.start()) {
            int[] ids = m.tokenizer().encode(PROMPT, true, true);
            LlamaOracle.Answer llama = oracle.ask(file, PROMPT, 1, 5);
            assertArrayEqualsIds(ids, llama.promptIds());
            Map<String, float[]> ours = ourSites(m, ops, ids);
            float[] llamaHeads = llamaCppBlocks(f, 0, embedding(f, ids, m.config().dim()), ours.get("HEADS/0"),
                    ours.get("ATTENTION_OUT/0"), ids.length)[0];
            assertTrue(relative(llamaHeads, ours.get("HEADS/0")) < 2e-6, "the heads differ in their last bits only");
            float[] a = new float[llamaHeads.length];
            float[] o = new float[a.length];
            ActivationRounding.Q8_0.apply(llamaHeads, 0, a.length, a, 0);
            ActivationRounding.Q8_0.apply(ours.get("HEADS/0"), 0, o.length, o, 0);
            int position = 8;
            TokenProbability[] theirs = llama.steps().get(position);
            TokenProbability[] plain = top(m, ops, ids, position, null);
            if (differing(a, o) == 0) {
                // Another machine's summation orders (this was found with AVX-512 on both sides; an AVX2 machine
                // runs another ggml build and narrower vectors): here the roundings agree, and so does the token.
                assertEquals(theirs[0].id(), plain[0].id(), "the same 8-bit roundings in layer 0: llama.cpp's token");
                return;
            }
            if (theirs[0].id() == plain[0].id()) {
                // Roundings apart, tokens alike: on a machine whose ggml build sums in yet another order (an
                // Intel Xeon with AMX, 2026-12-07) the differing codes did not carry to another token. Nothing
                // to explain there; where the tokens differ, the swap below must explain it.
                System.out.printf(java.util.Locale.ROOT, "position %d: %d layer-0 codes differ from llama.cpp's, "
                        + "the token is llama.cpp's (p %.3f against %.3f)%n", position, differing(a, o), plain[0].p(),
                        theirs[0].p());
                return;
            }
            TokenProbability[] swapped = top(m, ops, ids, position, llamaHeads);
            assertEquals(theirs[0].id(), swapped[0].id(), "llama.cpp's heads: llama.cpp's token");
            // The 25 layers after it round their activations to 8 bits as well, in our summation order: llama.cpp's
            // probability must lie among those our engine gives with its roundings nudged (the differential rule's).
            double low = swapped[0].p();
            double high = low;
            try {
                for (float nudge : GoldenJudging.nudges(true)) {
                    ActivationRounding.jitterScale(nudge);
                    TokenProbability[] nudged = top(m, ops, ids, position, llamaHeads);
                    double p = nudged[0].id() == theirs[0].id() ? nudged[0].p() : nudged[1].p();
                    low = Math.min(low, p);
                    high = Math.max(high, p);
                }
            } finally {
                ActivationRounding.jitterScale(1f);
            }
            assertTrue(theirs[0].p() >= low - 1e-3 && theirs[0].p() <= high + 1e-3, "llama.cpp's probability "
                    + theirs[0].p() + " among ours with roundings nudged, " + low + " to " + high);
            System.out.printf(java.util.Locale.ROOT, "position %d: llama.cpp %d (p %.3f); ours %d (p %.3f); ours with "
                    + "llama.cpp's layer-0 heads %d (p %.3f, %.3f to %.3f with roundings nudged)%n", position,
                    theirs[0].id(), theirs[0].p(), plain[0].id(), plain[0].p(), swapped[0].id(), swapped[0].p(), low, high);
        }
    }

    private static void assertArrayEqualsIds(int[] ours, int[] theirs) {
        assertEquals(Arrays.toString(theirs), Arrays.toString(ours), "llama.cpp tokenizes the prompt as we do");
    }

    private static int differing(float[] a, float[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                n++;
            }
        }
        return n;
    }

    /** Our two most likely tokens at a position, with layer 0's heads replaced by these (when not null). */
    private static TokenProbability[] top(Model m, Compute ops, int[] ids, int position, float[] heads) {
        Generator g = new Generator(m, ops, ids.length, ids.length);
        if (heads != null) {
            g.state().probe(new Probe() {
                @Override
                public boolean watches(Site site, int layer) {
                    return site == Site.HEADS && layer == 0;
                }

                @Override
                public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                    System.arraycopy(heads, 0, values, 0, count * width);
                    return true;
                }
            });
        }
        AtomicReference<TokenProbability[]> out = new AtomicReference<>();
        int vocab = m.config().vocabSize();
        g.logits(ids, (i, l, off) -> {
            if (i == position) {
                out.set(Probabilities.top(l, off, vocab, 2));
            }
        });
        return out.get();
    }
}
