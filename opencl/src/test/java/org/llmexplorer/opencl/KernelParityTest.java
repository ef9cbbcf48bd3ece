package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
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
        return Stream.of(
                Arguments.of(GgmlType.F32, 37, 172, 1), Arguments.of(GgmlType.F32, 64, 256, 5),
                Arguments.of(GgmlType.F16, 33, 172, 1), Arguments.of(GgmlType.F16, 64, 96, 4),
                Arguments.of(GgmlType.BF16, 31, 80, 3), Arguments.of(GgmlType.BF16, 128, 256, 9),
                Arguments.of(GgmlType.Q8_0, 40, 64, 1), Arguments.of(GgmlType.Q8_0, 300, 512, 7),
                Arguments.of(GgmlType.Q4_0, 40, 96, 1), Arguments.of(GgmlType.Q4_0, 300, 512, 8),
                Arguments.of(GgmlType.Q4_1, 40, 96, 1), Arguments.of(GgmlType.Q4_1, 64, 512, 5),
                Arguments.of(GgmlType.Q5_0, 40, 96, 1), Arguments.of(GgmlType.Q5_0, 64, 512, 5),
                Arguments.of(GgmlType.Q5_1, 40, 96, 1), Arguments.of(GgmlType.Q5_1, 64, 512, 5),
                Arguments.of(GgmlType.IQ4_NL, 40, 96, 1), Arguments.of(GgmlType.IQ4_NL, 64, 512, 5),
                Arguments.of(GgmlType.Q2_K, 40, 256, 1), Arguments.of(GgmlType.Q2_K, 64, 512, 5),
                Arguments.of(GgmlType.Q3_K, 40, 256, 1), Arguments.of(GgmlType.Q3_K, 64, 512, 5),
                Arguments.of(GgmlType.Q4_K, 40, 256, 1), Arguments.of(GgmlType.Q4_K, 64, 512, 5),
                Arguments.of(GgmlType.Q5_K, 40, 256, 1), Arguments.of(GgmlType.Q5_K, 64, 512, 5),
                Arguments.of(GgmlType.Q6_K, 40, 256, 1), Arguments.of(GgmlType.Q6_K, 64, 512, 5),
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
}
