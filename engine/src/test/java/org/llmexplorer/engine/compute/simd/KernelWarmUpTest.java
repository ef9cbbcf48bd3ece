package org.llmexplorer.engine.compute.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.RandomWeights;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/** The warm-up runs once per weight type and leaves the products it precedes as they were. */
class KernelWarmUpTest {

    @Test
    void warmsEachTypeOnceAndChangesNoProduct() {
        Random random = new Random(3);
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(1)) {
            WeightMatrix w = RandomWeights.matrix(GgmlType.Q5_K, 64, 512, random);
            RowGroups g = RowGroups.pack(w, parallel, arena);
            float[] x = RandomWeights.vector(512, random);
            ActivationCodes codes = new ActivationCodes.Q8_K();
            codes.quantize(x, 0, 512);
            g.prepare(codes, 512);
            float[] before = new float[g.paddedRows()];
            g.matvec(0, g.groups, codes, before, 0);

            KernelWarmUp.compileOneTokenKernel(g); // the first time for Q5_K in this JVM, or not
            assertEquals(0, KernelWarmUp.compileOneTokenKernel(g), "a type is warmed once");

            float[] after = new float[g.paddedRows()];
            g.matvec(0, g.groups, codes, after, 0);
            assertArrayEquals(before, after, 0f);
        }
    }
}
