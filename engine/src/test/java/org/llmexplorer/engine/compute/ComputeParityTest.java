package org.llmexplorer.engine.compute;

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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * Every operation of the SIMD backend against the scalar reference, on random inputs.
 * Tolerances: matrix products and dot products 1e-5 relative to the sum of |terms| (float
 * summation in a different order), element-wise operations 1e-6 relative.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComputeParityTest {
    private final ScalarCompute scalar = new ScalarCompute();
    private SimdCompute simd;

    @BeforeAll
    void start() {
        simd = new SimdCompute(2);
    }

    @AfterAll
    void stop() {
        simd.close();
    }

    static Stream<Arguments> matmulCases() {
        return RandomWeights.matmulCases(
                // large enough to be split across threads
                Arguments.of(GgmlType.Q8_0, 1024, 1024, 2), Arguments.of(GgmlType.Q4_0, 1024, 2048, 1),
                // prompt batches: whole token groups of the broadcast tile (2 x 16 or 2 x 8 tokens), tokens
                // after them, row tiles short of sixteen and of eight, columns not a multiple of the lanes
                Arguments.of(GgmlType.Q4_0, 75, 512, 67), Arguments.of(GgmlType.Q8_0, 64, 256, 32),
                Arguments.of(GgmlType.F32, 37, 172, 35), Arguments.of(GgmlType.Q6_K, 50, 256, 40));
    }

    @ParameterizedTest(name = "{0} {1}x{2} batch {3}")
    @MethodSource("matmulCases")
    void matmulAgrees(GgmlType type, int rows, int cols, int batch) {
        Random random = new Random(rows * 31L + cols + type.ordinal());
        WeightMatrix w = RandomWeights.matrix(type, rows, cols, random);
        float[] x = RandomWeights.vector(batch * cols, random);
        float[] expected = new float[batch * rows];
        float[] actual = new float[batch * rows];
        scalar.matmul(w, x, batch, expected);
        simd.matmul(w, x, batch, actual);

        // Bound for a float sum in another order: the sum of |w * x| times a few ulps per term.
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

    @Test
    void matmulIsDeterministicAcrossCallsAndThreads() {
        Random random = new Random(7);
        WeightMatrix w = RandomWeights.matrix(GgmlType.Q8_0, 512, 1024, random);
        float[] x = RandomWeights.vector(3 * 1024, random);
        float[] first = new float[3 * 512];
        simd.matmul(w, x, 3, first);
        try (SimdCompute one = new SimdCompute(1)) {
            for (int i = 0; i < 20; i++) {
                float[] again = new float[3 * 512];
                (i % 2 == 0 ? simd : one).matmul(w, x, 3, again);
                assertArrayEquals(first, again);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 64, 100, 2048})
    void rmsNormAgrees(int dim) {
        Random random = new Random(dim);
        float[] x = RandomWeights.vector(3 * dim, random);
        float[] weight = RandomWeights.vector(dim, random);
        float[] expected = new float[3 * dim];
        float[] actual = new float[3 * dim];
        scalar.rmsNorm(expected, x, weight, 3, dim, 1e-5f);
        simd.rmsNorm(actual, x, weight, 3, dim, 1e-5f);
        assertArrayEquals(expected, actual, 0f, "same scale, same element-wise products");
        // And the definition: mean of squares of out / weight is 1.
        double sum = 0;
        for (int i = 0; i < dim; i++) {
            double v = actual[i] / weight[i];
            sum += v * v;
        }
        assertEquals(1.0, sum / dim, 1e-3);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 33, 64, 1000})
    void dotAxpySoftmaxSwigluAgree(int n) {
        Random random = new Random(n * 7L);
        float[] a = RandomWeights.vector(n + 3, random);
        float[] b = RandomWeights.vector(n + 5, random);
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            magnitude += Math.abs(a[i + 3] * b[i + 5]);
        }
        assertEquals(scalar.dot(a, 3, b, 5, n), simd.dot(a, 3, b, 5, n), 1e-6 * magnitude + 1e-7);

        float[] y1 = b.clone();
        float[] y2 = b.clone();
        scalar.axpy(0.37f, a, 3, y1, 5, n);
        simd.axpy(0.37f, a, 3, y2, 5, n);
        for (int i = 0; i < y1.length; i++) {
            assertEquals(y1[i], y2[i], 1e-6f * (Math.abs(y1[i]) + 1));
        }

        float[] s1 = a.clone();
        float[] s2 = a.clone();
        scalar.softmax(s1, 3, n);
        simd.softmax(s2, 3, n);
        double total = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(s1[3 + i], s2[3 + i], 1e-6 * s1[3 + i] + 1e-9);
            total += s2[3 + i];
        }
        assertEquals(1.0, total, 1e-5);
        assertTrue(s2[0] == a[0] && s2[1] == a[1] && s2[2] == a[2], "values outside the range are untouched");

        float[] g1 = RandomWeights.vector(n, new Random(n));
        float[] g2 = g1.clone();
        float[] up = RandomWeights.vector(n, random);
        float[] g3 = g1.clone();
        scalar.swiglu(g1, up, n);
        simd.swiglu(g2, up, n);
        for (int i = 0; i < n; i++) { // FastExp against Math.exp: relative error below 2e-7
            assertEquals(g1[i], g2[i], 1e-6 * Math.abs(g1[i]) + 1e-30);
        }
        // The vector body and the scalar tail give the same bits: a value's result does not depend on where it lies.
        System.arraycopy(g3, 0, g2, 1, n - 1);
        float[] up2 = new float[n];
        System.arraycopy(up, 0, up2, 1, n - 1);
        simd.swiglu(g3, up, n);
        simd.swiglu(g2, up2, n);
        for (int i = 0; i + 1 < n; i++) {
            assertEquals(g3[i], g2[i + 1], 0f);
        }
    }

    @Test
    void softmaxFollowsItsDefinition() {
        float[] x = {1f, 2f, 3f, -1000f};
        scalar.softmax(x, 0, 4);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / z, x[0], 1e-7);
        assertEquals(Math.exp(3) / z, x[2], 1e-7);
        assertEquals(0.0, x[3], 1e-30);
    }

    @Test
    void swigluFollowsItsDefinition() {
        float[] g = {-2f, 0f, 1.5f};
        float[] up = {3f, 4f, -2f};
        scalar.swiglu(g, up, 3);
        assertEquals(-2 / (1 + Math.exp(2)) * 3, g[0], 1e-6);
        assertEquals(0f, g[1]);
        assertEquals(1.5 / (1 + Math.exp(-1.5)) * -2, g[2], 1e-6);
    }
}
