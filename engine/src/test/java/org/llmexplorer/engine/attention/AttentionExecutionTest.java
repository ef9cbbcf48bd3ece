package org.llmexplorer.engine.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.KeyBlocks;
import org.llmexplorer.engine.compute.HalfHead;
import org.llmexplorer.engine.compute.Q8_0Head;
import org.llmexplorer.engine.compute.ScalarCompute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.sampling.Sampler;

/** Masks applied while the stories model runs: recorded weights, sparse work, KV-cache semantics. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttentionExecutionTest {
    private static final String PROMPT = "Lily and Ben went to the park. They saw a big dog";
    private Model model;
    private Compute simd;
    /** Backends that stage float keys and values a window at a time, and that never do. */
    private SimdCompute staging;
    private SimdCompute notStaging;
    private final Compute scalar = new ScalarCompute();

    @BeforeAll
    void open() throws Exception {
        model = Model.open(Shared.path("models/stories260K.gguf"));
        simd = new SimdCompute(2);
        staging = new SimdCompute(1).stageFloatCache(true);
        notStaging = new SimdCompute(1).stageFloatCache(false);
    }

    @AfterAll
    void close() {
        simd.close();
        staging.close();
        notStaging.close();
        model.close();
    }

    static Stream<String> masks() {
        return Stream.of("global", "causal", "sliding:w=3", "sliding:w=4,causal=false", "dilated:w=3,d=2",
                "random:r=3,seed=5", "random:r=3,seed=5,causal=true", "strided:l=4", "strided:l=4,head=split",
                "fixed:l=4,c=1", "fixed:l=4,c=1,head=split", "prefix:p=5", "longformer:w=4,global=0",
                "bigbird:w=4,global=0+3,r=2,seed=1", "L0-1@sliding:w=2;L3-@global");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void recordedWeightsAreDistributionsOverExactlyTheAllowedKeys(String spec) {
        ModelConfig c = model.config();
        MaskPlan plan = MaskPlan.parse(spec, MaskPlan.causal());
        int[] ids = model.tokenizer().encode(PROMPT, true, true);
        int n = ids.length;
        Generator g = new Generator(model, simd, n).masks(plan);
        AttentionMatrix recorded = new AttentionMatrix(c.layers(), c.heads(), n, (l, h) -> true);
        g.state().recorder(recorded);
        g.ingest(ids, n, 0);

        long expectedPairs = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                boolean[][] allowed = plan.mask(l, h).matrix(n);
                float[][] w = recorded.weights(l, h);
                for (int i = 0; i < n; i++) {
                    double sum = 0;
                    boolean any = false;
                    for (int j = 0; j < n; j++) {
                        any |= allowed[i][j];
                        if (allowed[i][j]) {
                            expectedPairs++;
                            assertTrue(w[i][j] > 0f, "allowed pair got weight: layer " + l + " head " + h + " " + i + "," + j);
                        } else {
                            assertEquals(0f, w[i][j], "forbidden pair is exactly 0");
                        }
                        sum += w[i][j];
                    }
                    // A query the mask leaves no key (the column pattern's first cells) attends to
                    // nothing: its weights are all 0 and its output is the zero vector.
                    assertEquals(any ? 1.0 : 0.0, sum, 1e-5, "row " + i + " of layer " + l + " head " + h);
                }
            }
        }
        assertEquals(expectedPairs, g.state().attendedPairs(), "sparse execution visits exactly the allowed pairs");
    }

    /**
     * The SIMD kernel (FlashAttention's tiles and running softmax, keys as vectors over positions,
     * heads of a group sharing each key and value) against the plain reference of Compute.attend,
     * for every mask: one head, a group of four, six (four and two left over), heads of 64
     * dimensions and of 80 (not whole stretches of vectors), rows longer than two tiles of 1024,
     * with and without the weights kept.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void tiledAttentionEqualsThePlainComputation(String spec) {
        int n = 2600;
        int kvHeads = 2;
        Random random = new Random(spec.hashCode());
        AttentionMask mask = MaskPlan.parse(spec, MaskPlan.causal()).mask(0, 1);
        int[] keys = new int[n];
        float[] scratchA = new float[6 * n];
        float[] scratchB = new float[6 * n];
        for (int headDim : new int[] {64, 80}) {
            int kvDim = kvHeads * headDim;
            float[] q = new float[6 * headDim];
            int span = org.llmexplorer.engine.compute.KeyBlocks.span(n, headDim);
            float[] k = new float[kvHeads * span]; // as the cache keeps them: head after head, in KeyBlocks
            float[] v = new float[n * kvDim];
            for (float[] a : new float[][] {q, k, v}) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) random.nextGaussian() * 2;
                }
            }
            for (int query : new int[] {0, 1, 17, 1023, 1024, 1500, 2599}) {
                int count = mask.keys(query, n, keys);
                for (int heads : new int[] {1, 4, 6}) {
                    for (boolean keep : new boolean[] {false, true}) {
                        float[] plain = new float[heads * headDim];
                        float[] tiled = new float[heads * headDim];
                        scalar.attend(q, 0, heads, headDim, k, span, v, headDim, kvDim, keys, count, 0.125f,
                                spec.contains("bigbird") ? 30f : 0f, plain, 0, scratchA, keep);
                        simd.attend(q, 0, heads, headDim, k, span, v, headDim, kvDim, keys, count, 0.125f,
                                spec.contains("bigbird") ? 30f : 0f, tiled, 0, scratchB, keep);
                        String where = "head dimension " + headDim + ", query " + query + ", " + heads
                                + " heads, weights kept " + keep;
                        assertNearReference(plain, tiled, scratchA, scratchB, keep ? heads * count : 0, where);
                    }
                }
            }
        }
        // Whole model: the same greedy tokens on the scalar reference and the SIMD kernel.
        int[] ids = model.tokenizer().encode(PROMPT, true, true);
        MaskPlan plan = MaskPlan.parse(spec, MaskPlan.causal());
        Generator a = new Generator(model, scalar, ids.length + 12).masks(plan);
        Generator b = new Generator(model, simd, ids.length + 12).masks(plan);
        assertArrayEquals(a.generate(ids, 12, Sampler.greedy(), 0, null, null).generatedIds(),
                b.generate(ids, 12, Sampler.greedy(), 0, null, null).generatedIds());
    }

    /**
     * Attention over a Q8_0 cache read in place (codes widened as they load, a scale per block of
     * 32 dimensions) against the plain reference over the same cache decoded to floats, for every
     * mask: groups of 1, 4 and 6 heads, heads of 64, 96 (a stretch and a half) and 128 dimensions,
     * rows longer than two tiles, with and without the weights kept.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void q8_0AttentionReadsTheCodesWhereTheyLie(String spec) {
        int n = 2600;
        Random random = new Random(spec.hashCode() + 8);
        AttentionMask mask = MaskPlan.parse(spec, MaskPlan.causal()).mask(0, 1);
        int[] keys = new int[n];
        float[] scratchA = new float[6 * n];
        float[] scratchB = new float[6 * n];
        for (int headDim : new int[] {64, 96, 128}) {
            int blocks = headDim / Q8_0Head.BLOCK;
            int keySpan = KeyBlocks.span(n, headDim);
            int scaleSpan = KeyBlocks.span(n, blocks);
            // the second of two heads, so that every base is used; codes in [-127, 127], scales as halves
            byte[] keyCodes = new byte[2 * keySpan + 64];
            byte[] valueCodes = new byte[2 * n * headDim + 64];
            float[] keyScales = new float[2 * scaleSpan];
            float[] valueScales = new float[2 * n * blocks];
            for (byte[] codes : new byte[][] {keyCodes, valueCodes}) {
                for (int i = 0; i < codes.length; i++) {
                    codes[i] = (byte) (random.nextInt(255) - 127);
                }
            }
            for (float[] scales : new float[][] {keyScales, valueScales}) {
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = Float.float16ToFloat(Float.floatToFloat16((float) random.nextDouble() * 0.03f));
                }
            }
            Q8_0Head head = new Q8_0Head(keyCodes, keyScales, keySpan, scaleSpan, valueCodes, valueScales,
                    n * headDim, n * blocks, headDim);
            float[] q = gaussians(random, 6 * headDim);
            forEachQuery(mask, n, keys, (query, count, heads) -> {
                for (boolean keep : new boolean[] {false, true}) {
                    float[] plain = new float[heads * headDim];
                    float[] inPlace = new float[heads * headDim];
                    scalar.attendQ8_0(q, 0, heads, head, keys, count, 0.125f, spec.contains("bigbird") ? 30f : 0f,
                            plain, 0, scratchA, keep);
                    simd.attendQ8_0(q, 0, heads, head, keys, count, 0.125f, spec.contains("bigbird") ? 30f : 0f,
                            inPlace, 0, scratchB, keep);
                    String where = "head dimension " + headDim + ", query " + query + ", " + heads
                            + " heads, weights kept " + keep;
                    assertNearReference(plain, inPlace, scratchA, scratchB, keep ? heads * count : 0, where);
                }
            });
        }
    }

    /**
     * A kernel's outputs within 2e-4 (relative, past 1) of the reference's, and the first
     * {@code weights} attention weights it kept within 1e-5 of the reference's (the weight arrays
     * may be null where weights is 0).
     */
    private static void assertNearReference(float[] plain, float[] got, float[] plainWeights, float[] gotWeights,
                                            int weights, String where) {
        for (int d = 0; d < plain.length; d++) {
            assertEquals(plain[d], got[d], 2e-4 * (1 + Math.abs(plain[d])), where + ", element " + d);
        }
        for (int i = 0; i < weights; i++) {
            assertEquals(plainWeights[i], gotWeights[i], 1e-5, where + ", weight " + i);
        }
    }

    /** Queries at the start, early, past the first tile and last, each for groups of 1, 4 and 6 heads. */
    @FunctionalInterface
    private interface QueryCase {
        void check(int query, int count, int heads);
    }

    /** Runs c for each query of {@link QueryCase} with its count of the keys mask allows among n, put in keys. */
    private static void forEachQuery(AttentionMask mask, int n, int[] keys, QueryCase c) {
        for (int query : new int[] {0, 17, 1024, n - 1}) {
            int count = mask.keys(query, n, keys);
            for (int heads : new int[] {1, 4, 6}) {
                c.check(query, count, heads);
            }
        }
    }

    private static float[] gaussians(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /**
     * Float keys and values staged a window at a time (a backend told to stage them, values
     * headDim apart) give the bits of the same kernel reading them where they lie (values spread
     * wider apart, which it never stages; and the same packed values on a backend told not to
     * stage): for every mask (those that leave most positions out are read in place on every
     * side), 1, 4 and 6 heads, heads of 64 and 96 dimensions, rows of many windows and tiles,
     * with and without the weights kept. Staging is forced both ways, so the test holds on
     * machines of either default.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void stagedFloatAttentionGivesTheSameBits(String spec) {
        int n = 2600;
        Random random = new Random(spec.hashCode() + 32);
        AttentionMask mask = MaskPlan.parse(spec, MaskPlan.causal()).mask(0, 1);
        int[] keys = new int[n];
        float[] scratchA = new float[6 * n];
        float[] scratchB = new float[6 * n];
        float[] scratchC = new float[6 * n];
        for (int headDim : new int[] {64, 96}) {
            int spread = headDim + 8;
            float[] k = gaussians(random, KeyBlocks.span(n, headDim));
            float[] packed = new float[n * headDim];
            float[] wide = new float[n * spread];
            for (int j = 0; j < n; j++) {
                for (int d = 0; d < headDim; d++) {
                    packed[j * headDim + d] = wide[j * spread + d] = (float) random.nextGaussian();
                }
            }
            float[] q = gaussians(random, 6 * headDim);
            forEachQuery(mask, n, keys, (query, count, heads) -> {
                for (boolean keep : new boolean[] {false, true}) {
                    float[] staged = new float[heads * headDim];
                    float[] inPlace = new float[heads * headDim];
                    float[] packedInPlace = new float[heads * headDim];
                    staging.attend(q, 0, heads, headDim, k, 0, packed, 0, headDim, keys, count, 0.125f, 0f, staged,
                            0, scratchA, keep);
                    staging.attend(q, 0, heads, headDim, k, 0, wide, 0, spread, keys, count, 0.125f, 0f, inPlace,
                            0, scratchB, keep);
                    notStaging.attend(q, 0, heads, headDim, k, 0, packed, 0, headDim, keys, count, 0.125f, 0f,
                            packedInPlace, 0, scratchC, keep);
                    String where = "head dimension " + headDim + ", query " + query + ", " + heads
                            + " heads, weights kept " + keep;
                    assertArrayEquals(inPlace, staged, 0f, where);
                    assertArrayEquals(inPlace, packedInPlace, 0f, where + ", not staged");
                    if (keep) {
                        assertArrayEquals(java.util.Arrays.copyOf(scratchB, heads * count),
                                java.util.Arrays.copyOf(scratchA, heads * count), 0f, where + ": the weights kept");
                        assertArrayEquals(java.util.Arrays.copyOf(scratchB, heads * count),
                                java.util.Arrays.copyOf(scratchC, heads * count), 0f,
                                where + ": the weights kept, not staged");
                    }
                }
            });
        }
    }

    /**
     * Attention over a half-precision cache read in place (a window of positions widened at a
     * time) against the same kernel over the head widened whole: the same bits, for every mask,
     * groups of 1, 4 and 6 heads, heads of 64, 96 and 128 dimensions, rows longer than many
     * windows; and within rounding of the plain reference.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void halfAttentionReadsTheHalvesWhereTheyLie(String spec) {
        int n = 2600;
        Random random = new Random(spec.hashCode() + 16);
        AttentionMask mask = MaskPlan.parse(spec, MaskPlan.causal()).mask(0, 1);
        int[] keys = new int[n];
        float[] scratchA = new float[6 * n];
        float[] scratchB = new float[6 * n];
        float[] scratchC = new float[6 * n];
        for (int headDim : new int[] {64, 96, 128}) {
            int keySpan = KeyBlocks.span(n, headDim);
            short[] keyHalves = new short[2 * keySpan + 64]; // the second of two heads, so that every base is used
            short[] valueHalves = new short[2 * n * headDim + 64];
            for (short[] halves : new short[][] {keyHalves, valueHalves}) {
                for (int i = 0; i < halves.length; i++) {
                    halves[i] = Float.floatToFloat16((float) random.nextGaussian());
                }
            }
            HalfHead head = new HalfHead(keyHalves, keySpan, valueHalves, n * headDim, headDim);
            float[][] whole = head.decode(n);
            float[] q = new float[6 * headDim];
            for (int i = 0; i < q.length; i++) {
                q[i] = Float.float16ToFloat(Float.floatToFloat16((float) random.nextGaussian()));
            }
            float softcap = spec.contains("bigbird") ? 30f : 0f;
            forEachQuery(mask, n, keys, (query, count, heads) -> {
                float[] widened = new float[heads * headDim];
                float[] inPlace = new float[heads * headDim];
                float[] plain = new float[heads * headDim];
                simd.attendHalfWeights(q, 0, heads, headDim, whole[0], 0, whole[1], 0, headDim, keys, count,
                        0.125f, softcap, widened, 0, scratchA);
                simd.attendF16(q, 0, heads, head, keys, count, 0.125f, softcap, inPlace, 0, scratchB);
                scalar.attendF16(q, 0, heads, head, keys, count, 0.125f, softcap, plain, 0, scratchC);
                String where = "head dimension " + headDim + ", query " + query + ", " + heads + " heads";
                assertArrayEquals(widened, inPlace, 0f, where);
                assertArrayEquals(java.util.Arrays.copyOf(scratchA, heads * count),
                        java.util.Arrays.copyOf(scratchB, heads * count), 0f, where + ": the weights kept");
                assertNearReference(plain, inPlace, null, null, 0, where);
            });
        }
    }

    @Test
    void causalMaskIsTheDefault() {
        int[] ids = model.tokenizer().encode(PROMPT, true, true);
        int[] byDefault = new Generator(model, simd, ids.length + 30).generate(ids, 30, Sampler.greedy(), 0, null, null)
                .generatedIds();
        for (String spec : new String[] {"causal", "L0-2@causal", "sliding:w=1000"}) {
            Generator g = new Generator(model, simd, ids.length + 30).masks(MaskPlan.parse(spec, MaskPlan.causal()));
            assertArrayEquals(byDefault, g.generate(ids, 30, Sampler.greedy(), 0, null, null).generatedIds(), spec);
        }
        Generator local = new Generator(model, simd, ids.length + 30).masks(MaskPlan.parse("sliding:w=2", null));
        assertTrue(!java.util.Arrays.equals(byDefault,
                local.generate(ids, 30, Sampler.greedy(), 0, null, null).generatedIds()), "a tight window changes the story");
    }

    /**
     * With a KV cache each new token is a query at the end of the sequence, seeing the keys its
     * mask allows among the positions so far. For masks that never look ahead this is exactly
     * what recomputing the whole sequence without a cache gives.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("masks")
    void kvCacheAgreesWithRecomputingEverything(String spec) {
        ModelConfig c = model.config();
        MaskPlan plan = MaskPlan.parse(spec, MaskPlan.causal());
        int[] ids = model.tokenizer().encode(PROMPT, true, true);
        int steps = 8;
        GenerationResult cached = new Generator(model, scalar, ids.length + steps).masks(plan)
                .generate(ids, steps, Sampler.greedy(), 0, null, null);
        int[] sequence = java.util.Arrays.copyOf(ids, ids.length + steps);
        System.arraycopy(cached.generatedIds(), 0, sequence, ids.length, steps);

        if (!plan.looksAhead(c.layers(), c.heads())) {
            for (int s = 0; s < steps; s++) {
                int len = ids.length + s;
                InferenceState fresh = new InferenceState(c, len, len);
                model.transformer().forward(scalar, fresh, plan, sequence, 0, len, 0, false);
                assertEquals(cached.generatedIds()[s], Sampler.argmax(fresh.logits(), 0, c.vocabSize()),
                        "step " + s + ": cached and recomputed agree");
            }
            return;
        }
        // A mask that looks ahead shapes how the prompt is read: prompt queries see later prompt
        // keys; a generated token sees only positions up to itself, whatever the mask says.
        int n = sequence.length;
        Generator g = new Generator(model, scalar, n).masks(plan);
        AttentionMatrix rec = new AttentionMatrix(c.layers(), c.heads(), n, (l, h) -> true);
        g.state().recorder(rec);
        g.ingest(sequence, ids.length, 0);
        for (int p = ids.length; p < n; p++) {
            g.ingest(new int[] {sequence[p]}, 1, p);
        }
        boolean sawLater = false;
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < c.heads(); h++) {
                float[][] w = rec.weights(l, h);
                boolean[][] promptMask = plan.mask(l, h).matrix(ids.length);
                for (int i = 0; i < ids.length; i++) {
                    for (int j = 0; j < ids.length; j++) {
                        assertEquals(promptMask[i][j], w[i][j] > 0, "prompt row follows the mask");
                        sawLater |= j > i && w[i][j] > 0;
                    }
                    for (int j = ids.length; j < n; j++) {
                        assertEquals(0f, w[i][j], "prompt positions never see tokens generated after them");
                    }
                }
                for (int i = ids.length; i < n; i++) {
                    boolean[] row = new boolean[n];
                    int[] keys = new int[n];
                    int count = plan.mask(l, h).keys(i, i + 1, keys);
                    for (int k = 0; k < count; k++) {
                        row[keys[k]] = true;
                    }
                    for (int j = 0; j < n; j++) {
                        assertEquals(row[j], w[i][j] > 0, "generated row " + i + " sees the allowed keys up to itself");
                    }
                }
            }
        }
        assertTrue(sawLater, "some prompt query looked ahead");
    }
}
