package org.llmexplorer.engine.compute.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.compute.RandomWeights;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The prompt path of a kernel both ways a machine may take it: with the transposed token groups
 * (the broadcast tile, 16-lane machines) and without them (every token through the 4x4 tile, as
 * on AVX2), each against a float64 product of the dequantized rows.
 */
class RowKernelTest {

    @Test
    void tiledProductsWithAndWithoutTheBroadcastTile() {
        int rows = 75; // row tiles of 16 and an edge of 11: eight rows and three more
        int cols = 512;
        int batch = 2 * FloatTiles.GROUP + 5; // whole groups and tokens after them
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_1, GgmlType.Q5_0}) {
            RowKernel kernel = new Legacy32Kernel(type);
            Random random = new Random(7);
            WeightMatrix w = RandomWeights.matrix(type, rows, cols, random);
            float[] x = RandomWeights.vector(batch * cols, random);
            float[] grouped = new float[batch * rows];
            float[] fourByFour = new float[batch * rows];
            kernel.tiled(w, 0, rows, x, FloatTiles.transposeGroups(x, batch, cols, null), batch, grouped,
                    new float[RowKernel.bufferSize(cols)]);
            kernel.tiled(w, 0, rows, x, null, batch, fourByFour, new float[RowKernel.bufferSize(cols)]);
            float[] row = new float[cols];
            for (int r = 0; r < rows; r++) {
                w.dequantizeRow(r, row, 0);
                for (int t = 0; t < batch; t++) {
                    double sum = 0;
                    double magnitude = 0;
                    for (int c = 0; c < cols; c++) {
                        sum += (double) row[c] * x[t * cols + c];
                        magnitude += Math.abs((double) row[c] * x[t * cols + c]);
                    }
                    double bound = 1e-5 * magnitude + 1e-6;
                    assertEquals(sum, grouped[t * rows + r], bound, type + " grouped, token " + t + " row " + r);
                    assertEquals(sum, fourByFour[t * rows + r], bound, type + " four by four, token " + t + " row " + r);
                }
            }
        }
    }
}
