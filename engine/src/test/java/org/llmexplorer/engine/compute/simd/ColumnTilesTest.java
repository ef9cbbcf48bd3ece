package org.llmexplorer.engine.compute.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The eight-token tiles sum in the four-token tiles' order: the same floats to the bit, so that
 * a prompt's products do not depend on how its tokens fall into tiles (eight on AVX-512, four
 * elsewhere).
 */
class ColumnTilesTest {
    private static final int TOKENS = 8;

    @Test
    void eightTokensGiveTheFourTokenTilesBits() {
        Random random = new Random(7);
        int n = 96;
        float[] w = new float[n * 2 * L];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        float[] x = new float[TOKENS * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        int os = 3 * L; // rows of a token apart, with room between
        float[] four = new float[TOKENS * os];
        float[] eight = new float[TOKENS * os];
        ColumnTiles.tile4(w, n, x, 0, n, four, 0, os);
        ColumnTiles.tile4(w, n, x, 4 * n, n, four, 4 * os, os);
        ColumnTiles.tile8(w, n, x, 0, n, eight, 0, os);
        assertArrayEquals(four, eight);
        ColumnTiles.tile8(w, n - 1, x, 0, n, eight, 0, os); // an odd count takes the single-column tail
        ColumnTiles.tile4(w, n - 1, x, 0, n, four, 0, os);
        ColumnTiles.tile4(w, n - 1, x, 4 * n, n, four, 4 * os, os);
        assertArrayEquals(four, eight);
    }

    @Test
    void eightTokensOfCodesGiveTheFourTokenTilesBits() {
        Random random = new Random(11);
        int n = 128;
        int blocks = n / 32;
        float[] w = new float[n * 2 * L];
        for (int i = 0; i < w.length; i++) {
            w[i] = random.nextInt(255) - 127;
        }
        float[] scales = new float[blocks * 2 * L];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = random.nextFloat() / 64;
        }
        float[] x = new float[TOKENS * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(255) - 127;
        }
        float[] xScales = new float[TOKENS * blocks];
        for (int i = 0; i < xScales.length; i++) {
            xScales[i] = random.nextFloat() / 32;
        }
        int os = 2 * L;
        float[] four = new float[TOKENS * os];
        float[] eight = new float[TOKENS * os]; // zeros: tile8Blocks adds to what is there
        ColumnTiles.tile4Blocks(w, scales, n, x, xScales, 0, n, four, 0, os);
        ColumnTiles.tile4Blocks(w, scales, n, x, xScales, 4 * n, n, four, 4 * os, os);
        ColumnTiles.tile8Blocks(w, scales, blocks, x, xScales, 0, n, eight, 0, os);
        assertArrayEquals(four, eight);
    }
}
