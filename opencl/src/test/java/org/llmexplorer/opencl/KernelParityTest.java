package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Gelu;
import org.llmexplorer.engine.model.Rope;
import org.llmexplorer.opencl.ClContext.Buffer;
import org.llmexplorer.engine.compute.RandomWeights;
import org.llmexplorer.engine.compute.ScalarCompute;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * Every kernel against the scalar reference of the engine on random inputs, with the
 * tolerance each comparison states.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelParityTest {
    private final ScalarCompute scalar = new ScalarCompute();
    private DeviceOps device;

    @BeforeAll
    void start() {
        device = new DeviceOps(TestDevice.compute());
    }

    @AfterAll
    void stop() {
        if (device != null) {
            device.close();
        }
    }

    static Stream<Arguments> matmulCases() {
        return RandomWeights.matmulCases(
                Arguments.of(GgmlType.Q8_0, 1024, 2048, 2), Arguments.of(GgmlType.Q4_K, 512, 2048, 3));
    }

    /**
     * The activations are rounded by the same arithmetic on both sides, so the products differ
     * only by summation order: within a few float ulps of the sum of |w * x|, as SIMD against
     * scalar (ComputeParityTest): 1e-5 of that sum, plus 1e-6.
     */
    @ParameterizedTest(name = "{0} {1}x{2} batch {3}")
    @MethodSource("matmulCases")
    void matmulAgrees(GgmlType type, int rows, int cols, int batch) {
        checkMatmul(type, rows, cols, batch);
    }

    /**
     * The same with the other way of sharing a row among work-items: the group reduction a GPU
     * gets, run here on a CPU device (or one work-item per row, where the device is a GPU).
     */
    @ParameterizedTest(name = "{0} {1}x{2} batch {3}")
    @MethodSource("matmulCases")
    void matmulAgreesWithTheOtherRowSharing(GgmlType type, int rows, int cols, int batch) {
        Kernels k = device.kernels();
        int usual = k.matmulGroup();
        k.matmulGroup(usual == 1 ? k.group : 1);
        try {
            checkMatmul(type, rows, cols, batch);
        } finally {
            k.matmulGroup(usual);
        }
    }

    private void checkMatmul(GgmlType type, int rows, int cols, int batch) {
        Random random = new Random(rows * 31L + cols + type.ordinal());
        WeightMatrix w = RandomWeights.matrix(type, rows, cols, random);
        float[] x = RandomWeights.vector(batch * cols, random);
        float[] expected = new float[batch * rows];
        scalar.matmul(w, x, batch, expected);
        float[] actual = device.matmul(w, x, batch);
        float[] row = new float[cols];
        for (int t = 0; t < batch; t++) {
            for (int r = 0; r < rows; r++) {
                w.dequantizeRow(r, row, 0);
                double magnitude = 0;
                for (int c = 0; c < cols; c++) {
                    magnitude += Math.abs(row[c] * x[t * cols + c]);
                }
                assertEquals(expected[t * rows + r], actual[t * rows + r], 1e-5 * magnitude + 1e-6,
                        "token " + t + " row " + r);
            }
        }
    }

    /** Same scale (sum of squares in double, root in float), same products: equal to the last bit, or 1 ulp where the sum's order rounds differently. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 64, 100, 2048})
    void rmsNormAgrees(int dim) {
        Random random = new Random(dim);
        float[] x = RandomWeights.vector(3 * dim, random);
        float[] weight = RandomWeights.vector(dim, random);
        float[] expected = new float[3 * dim];
        scalar.rmsNorm(expected, x, weight, 3, dim, 1e-5f);
        Buffer out = device.room(3 * dim);
        device.kernels().rmsNorm(device.up(x), device.up(weight), out, 3, dim, 1e-5f);
        assertClose(expected, device.down(out, 3 * dim), 2e-7f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64, 256, 1000})
    void layerNormAgrees(int dim) {
        Random random = new Random(dim);
        float[] x = RandomWeights.vector(3 * dim, random);
        float[] weight = RandomWeights.vector(dim, random);
        float[] bias = RandomWeights.vector(dim, random);
        float[] expected = new float[3 * dim];
        scalar.layerNorm(expected, x, weight, bias, 3, dim, 1e-5f);
        Buffer out = device.room(3 * dim);
        device.kernels().layerNorm(device.up(x), device.up(weight), device.up(bias), out, 3, dim, 1e-5f);
        assertClose(expected, device.down(out, 3 * dim), 2e-7f);
    }

    /** exp in double on both sides (where the device has doubles; else within float exp's few ulps). */
    @ParameterizedTest
    @ValueSource(ints = {1, 5, 33, 64, 1000})
    void softmaxAgrees(int n) {
        Random random = new Random(n);
        float[] x = RandomWeights.vector(2 * n, random);
        float[] expected = x.clone();
        scalar.softmax(expected, 0, n);
        scalar.softmax(expected, n, n);
        Buffer b = device.up(x);
        device.kernels().softmax(b, 2, n);
        assertClose(expected, device.down(b, 2 * n), 1e-6f);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 33, 1000})
    void activationsAgree(int n) {
        Random random = new Random(n);
        float[] gate = RandomWeights.vector(n, random);
        for (int i = 0; i < n; i++) {
            gate[i] *= 6; // across GELU's table and beyond +-10
        }
        float[] up = RandomWeights.vector(n, random);
        Kernels k = device.kernels();

        float[] swiglu = gate.clone();
        scalar.swiglu(swiglu, up, n);
        Buffer g = device.up(gate);
        k.swiglu(g, device.up(up), n);
        assertClose(swiglu, device.down(g, n), 1e-7f);

        float[] table = new float[1 << 16];
        for (int i = 0; i < table.length; i++) {
            float v = Float.float16ToFloat((short) i);
            table[i] = Math.abs(v) < 10f ? Gelu.of(v) : 0f;
        }
        Buffer t = device.up(table);
        float[] gelu = gate.clone();
        scalar.gelu(gelu, n);
        g = device.up(gate);
        k.gelu(g, t, n);
        assertArrayEquals(gelu, device.down(g, n), "the same table, the same lookups");

        float[] geglu = gate.clone();
        scalar.geglu(geglu, up, n);
        g = device.up(gate);
        k.geglu(g, device.up(up), t, n);
        assertArrayEquals(geglu, device.down(g, n));

        float[] capped = gate.clone();
        scalar.softcap(capped, 0, n, 5f);
        g = device.up(gate);
        k.softcap(g, 5f, n);
        assertClose(capped, device.down(g, n), 1e-7f);
    }

    @org.junit.jupiter.api.Test
    void elementwiseStepsAgree() {
        Random random = new Random(3);
        float[] x = RandomWeights.vector(3 * 40, random);
        float[] y = RandomWeights.vector(3 * 40, random);
        float[] bias = RandomWeights.vector(40, random);
        float[] expected = x.clone();
        scalar.axpy(1f, y, 0, expected, 0, expected.length);
        scalar.addBias(expected, bias, 3, 40);
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= 0.125f;
        }
        Buffer b = device.up(x);
        device.kernels().add(b, device.up(y), x.length);
        device.kernels().addBias(b, device.up(bias), 40, x.length);
        device.kernels().scale(b, 0.125f, x.length);
        assertArrayEquals(expected, device.down(b, x.length));
    }

    /** The angles come from the engine's Rope (the device gets the same table), so only the rotation's four products round: exact. */
    @ParameterizedTest
    @CsvSource({"NORM, 64, 64, false", "NEOX, 64, 64, false", "NORM, 64, 32, true", "NEOX, 128, 96, true"})
    void ropeAgrees(Rope.Style style, int headDim, int ropeDims, boolean factors) {
        Random random = new Random(headDim + ropeDims);
        int heads = 3;
        int tokens = 4;
        int pairs = ropeDims / 2;
        float[] freqs = null;
        if (factors) {
            freqs = new float[pairs];
            for (int i = 0; i < pairs; i++) {
                freqs[i] = 1f + random.nextFloat() * 7f;
            }
        }
        Rope rope = new Rope(ropeDims, 10000f, freqs, style, 1f);
        float[] v = RandomWeights.vector(tokens * heads * headDim, random);
        float[] expected = v.clone();
        float[] table = new float[tokens * 2 * pairs];
        float[] cos = new float[pairs];
        float[] sin = new float[pairs];
        for (int t = 0; t < tokens; t++) {
            rope.angles(100 + t, cos, sin);
            rope.apply(expected, t * heads * headDim, heads, headDim, cos, sin);
            System.arraycopy(cos, 0, table, t * 2 * pairs, pairs);
            System.arraycopy(sin, 0, table, t * 2 * pairs + pairs, pairs);
        }
        Buffer b = device.up(v);
        device.kernels().rope(b, device.up(table), tokens, heads, headDim, pairs, style == Rope.Style.NEOX);
        assertArrayEquals(expected, device.down(b, v.length));
    }

    /**
     * Attention of new queries over a cache under masks whose keys form runs (causal, sliding)
     * and masks that list scattered keys (strided, random), with grouped-query heads and a
     * soft-cap: against the CPU path's loop (scalar dot, softcap, softmax, weighted sum),
     * weights and outputs within 1e-6.
     */
    @ParameterizedTest
    @ValueSource(strings = {"causal", "sliding:w=3", "strided:l=3", "random:r=4,seed=9", "L0H1@prefix:p=2"})
    void attentionAgrees(String spec) {
        attentionAgrees(spec, false);
    }

    /**
     * The same over a half-precision cache written by the store kernel: keys and values rounded
     * to the nearest half as {@link Float#floatToFloat16} rounds, and the queries and weights
     * rounded to half as the CPU's half-precision path does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"causal", "sliding:w=3", "strided:l=3", "random:r=4,seed=9", "L0H1@prefix:p=2"})
    void attentionOverAHalfPrecisionCacheAgrees(String spec) {
        attentionAgrees(spec, true);
    }

    private void attentionAgrees(String spec, boolean half) {
        Random random = new Random(spec.hashCode());
        int heads = 4;
        int kvHeads = 2;
        int headDim = 16;
        int kvDim = kvHeads * headDim;
        int startPos = 5;
        int count = 3;
        int length = startPos + count;
        float scale = 0.25f;
        float softcap = spec.equals("causal") ? 0f : 3f;
        float[] q = RandomWeights.vector(count * heads * headDim, random);
        float[] keys = RandomWeights.vector(length * kvDim, random);
        float[] values = RandomWeights.vector(length * kvDim, random);
        MaskPlan masks = MaskPlan.parse(spec, MaskPlan.causal());
        AttentionPlan plan = AttentionPlan.of(masks, 1, heads, startPos, count);

        Buffer weights = device.room(count * heads * length);
        Buffer out = device.room(count * heads * headDim);
        Buffer queries = device.up(q); // unrounded: the kernel rounds them itself over a half cache
        Buffer keyCache = device.up(keys);
        Buffer valueCache = device.up(values);
        if (half) {
            // the cache written in two pieces, the second from an offset, as passes write it
            int first = 2 * kvDim;
            keyCache = device.room(keys.length);
            valueCache = device.room(values.length);
            device.kernels().storeHalf(device.up(java.util.Arrays.copyOf(keys, first)), keyCache, 0, first);
            device.kernels().storeHalf(device.up(java.util.Arrays.copyOfRange(keys, first, keys.length)), keyCache,
                    first, keys.length - first);
            device.kernels().storeHalf(device.up(java.util.Arrays.copyOf(values, first)), valueCache, 0, first);
            device.kernels().storeHalf(device.up(java.util.Arrays.copyOfRange(values, first, values.length)),
                    valueCache, first, values.length - first);
            for (float[] x : new float[][] {q, keys, values}) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = Float.float16ToFloat(Float.floatToFloat16(x[i])); // what the device reads
                }
            }
        }
        long event = device.kernels().attention(queries, keyCache, valueCache, half, plan, 0,
                device.up(plan.ranges()), device.up(plan.lists()), device.up(plan.headSlots()), weights, out, heads,
                heads / kvHeads, headDim, kvDim, scale, softcap);
        device.nanos(event);
        float[] actualWeights = device.down(weights, count * heads * length);
        float[] actual = device.down(out, count * heads * headDim);

        int[] allowed = new int[length];
        for (int t = 0; t < count; t++) {
            for (int head = 0; head < heads; head++) {
                int n = masks.mask(0, head).keys(startPos + t, length, allowed);
                assertEquals(n, plan.allowed(0, head, heads, t));
                int qOff = (t * heads + head) * headDim;
                int kv = (head / (heads / kvHeads)) * headDim;
                float[] scores = new float[n];
                for (int i = 0; i < n; i++) {
                    scores[i] = scalar.dot(q, qOff, keys, allowed[i] * kvDim + kv, headDim) * scale;
                }
                if (softcap > 0) {
                    scalar.softcap(scores, 0, n, softcap);
                }
                scalar.softmax(scores, 0, n);
                for (int i = 0; half && i < n; i++) {
                    scores[i] = Float.float16ToFloat(Float.floatToFloat16(scores[i]));
                }
                float[] expected = new float[headDim];
                for (int i = 0; i < n; i++) {
                    scalar.axpy(scores[i], values, allowed[i] * kvDim + kv, expected, 0, headDim);
                    assertEquals(scores[i], actualWeights[(t * heads + head) * length + i], 1e-6,
                            "weight of key " + allowed[i]);
                }
                for (int d = 0; d < headDim; d++) {
                    assertEquals(expected[d], actual[qOff + d], 1e-6, "token " + t + " head " + head + " value " + d);
                }
            }
        }
    }

    /** Element-wise |expected - actual| within this many times max(1, |expected|). */
    private static void assertClose(float[] expected, float[] actual, float relative) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relative * Math.max(1f, Math.abs(expected[i])), "value " + i);
        }
    }
}
