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
            int batch = 13; // the eight-, four- and one-token tiles
            float[] x = RandomWeights.vector(batch * 512, random);
            float[] oneBefore = oneToken(g, x);
            float[] tiledBefore = tiled(g, x, batch);

            KernelWarmUp.compileKernels(g); // the first time for Q5_K in this JVM, or not
            assertEquals(0, KernelWarmUp.compileKernels(g), "a type is warmed once");

            assertArrayEquals(oneBefore, oneToken(g, x), 0f);
            assertArrayEquals(tiledBefore, tiled(g, x, batch), 0f);
        }
    }

    private static float[] oneToken(RowGroups g, float[] x) {
        ActivationCodes codes = new ActivationCodes.Q8_K();
        codes.quantize(x, 0, g.cols);
        g.prepare(codes, g.cols);
        float[] out = new float[g.paddedRows()];
        g.matvec(0, g.groups, codes, out, 0);
        return out;
    }

    private static float[] tiled(RowGroups g, float[] x, int batch) {
        ActivationCodes codes = new ActivationCodes.Q8_K();
        codes.quantize(x, 0, batch * g.cols);
        float[] out = new float[batch * g.paddedRows()];
        g.tiled(0, g.groups, codes, g.tokens(codes, batch * g.cols), batch, out, new RowGroups.Scratch());
        return out;
    }
}
