package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.L;

/**
 * Row groups of a K-quant whose prompts go through floats: each group widened once to the values
 * the format's dequantization gives, column by column, then multiplied with eight tokens' values
 * at a time where vectors have 16 float lanes, else four ({@link ColumnTiles}). Q5_K's and Q6_K's sums over a sub-block would overflow the 16-bit
 * lanes of Q4_0's and Q4_K's integer tile ({@link CodeTiles}): 5- and 6-bit codes times 8-bit
 * activations fit 16 bits only sixteen or eight columns at a time. Q2_K's and Q3_K's would fit,
 * but their sub-blocks of 16 each take their own scale, twice as many widenings per column as
 * that tile pays; an integer tile for them is not written (their prompts already run at 1.05 and
 * 1.5 times llama.cpp's speed on the same files, docs/PERFORMANCE.md).
 */
abstract class WidenedGroups extends RowGroups {

    WidenedGroups(int rows, int cols, int floatFields, int byteFields) {
        super(rows, cols, 256, floatFields, byteFields);
    }

    /** Group g widened to floats column by column: buffer[k * G + r] = row g*G + r, column k. */
    abstract void widen(int g, float[] buffer);

    /** The values the codes stand for: the tile multiplies the weights' values in floats. */
    @Override
    final float[] tokens(ActivationCodes codes, int n) {
        return codes.values(n);
    }

    @Override
    final void tiled(int g0, int g1, ActivationCodes codes, float[] x, int batch, float[] out, Scratch scratch) {
        float[] buffer = scratch.floats(G * cols);
        int stride = paddedRows();
        for (int g = g0; g < g1; g++) {
            widen(g, buffer);
            int t = 0;
            for (; L == 16 && t + 8 <= batch; t += 8) { // eight tokens at a time in AVX-512's registers
                ColumnTiles.tile8(buffer, cols, x, t * cols, cols, out, t * stride + g * G, stride);
            }
            for (; t + 4 <= batch; t += 4) {
                ColumnTiles.tile4(buffer, cols, x, t * cols, cols, out, t * stride + g * G, stride);
            }
            for (; t < batch; t++) {
                ColumnTiles.tile1(buffer, cols, x, t * cols, out, t * stride + g * G);
            }
        }
    }
}
