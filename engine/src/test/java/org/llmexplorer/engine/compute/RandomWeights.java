package org.llmexplorer.engine.compute;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;
import org.llmexplorer.engine.tensor.format.Blocks;

/** Random weight matrices in each supported format, for op-by-op tests (the opencl module's too). */
public final class RandomWeights {
    private RandomWeights() {
    }

    public static WeightMatrix matrix(GgmlType type, int rows, int cols, Random random) {
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment seg = Arena.ofAuto().allocate(bytes, 64);
        long blocks = bytes / type.blockBytes;
        for (long b = 0; b < blocks; b++) {
            long at = b * type.blockBytes;
            switch (type) {
                case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, (float) random.nextGaussian());
                case F16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, at,
                        Float.floatToFloat16((float) random.nextGaussian()));
                case BF16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, at,
                        (short) (Float.floatToIntBits((float) random.nextGaussian()) >>> 16));
                default -> {
                    // Random bytes, then small positive fp16 numbers where the block keeps its scales.
                    for (int j = 0; j < type.blockBytes; j++) {
                        seg.set(ValueLayout.JAVA_BYTE, at + j, (byte) random.nextInt(256));
                    }
                    for (int offset : Blocks.halfFields(type)) {
                        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + offset,
                                Float.floatToFloat16(0.01f + random.nextFloat() * 0.05f));
                    }
                }
            }
        }
        return new WeightMatrix("random-" + type, type, seg, rows, cols);
    }

    public static float[] vector(int n, Random random) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /**
     * Matrix-product cases (type, rows, cols, batch) for every weight type: a single row block
     * and one vector, then several blocks and a batch, with odd sizes where the type allows
     * them; a test adds the large cases it needs.
     */
    public static Stream<Arguments> matmulCases(Arguments... more) {
        return Stream.concat(Stream.of(
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
                Arguments.of(GgmlType.Q6_K, 40, 256, 1), Arguments.of(GgmlType.Q6_K, 64, 512, 5)), Stream.of(more));
    }
}
