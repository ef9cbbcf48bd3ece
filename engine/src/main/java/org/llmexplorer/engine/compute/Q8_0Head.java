package org.llmexplorer.engine.compute;

/**
 * The keys and values of one key/value head of a Q8_0 KV cache, as attention reads them without
 * decoding: 8-bit codes, each block of 32 dimensions of a position times one scale (the
 * half-precision scale of ggml's Q8_0, held as the float it stands for).
 *
 * <ul>
 *   <li>key j, dimension d: {@code keyCodes[keyBase + KeyBlocks.index(j, d, headDim)]} times
 *       {@code keyScales[keyScaleBase + KeyBlocks.index(j, d / 32, headDim / 32)]}: codes lie as
 *       float keys do, and the scales of a run of positions for one block of dimensions lie side
 *       by side, so that both load as vectors over positions;</li>
 *   <li>value j, dimension d: {@code valueCodes[valueBase + j * headDim + d]} times
 *       {@code valueScales[valueScaleBase + j * (headDim / 32) + d / 32]}: position after
 *       position, as float values are.</li>
 * </ul>
 */
public record Q8_0Head(byte[] keyCodes, float[] keyScales, int keyBase, int keyScaleBase, byte[] valueCodes,
                       float[] valueScales, int valueBase, int valueScaleBase, int headDim) {
    /** Dimensions per scale. */
    public static final int BLOCK = 32;

    public float key(int j, int d) {
        return keyScales[keyScaleBase + KeyBlocks.index(j, d / BLOCK, headDim / BLOCK)]
                * keyCodes[keyBase + KeyBlocks.index(j, d, headDim)];
    }

    public float value(int j, int d) {
        return valueScales[valueScaleBase + j * (headDim / BLOCK) + d / BLOCK] * valueCodes[valueBase + j * headDim + d];
    }

    /**
     * Keys and values of positions [0, positions) as floats, laid out as {@link Compute#attend}
     * reads them from index 0 (keys in {@link KeyBlocks}, values p * headDim + d): for a
     * reference computation.
     */
    public float[][] decode(int positions) {
        float[] keys = new float[KeyBlocks.span(positions, headDim)];
        float[] values = new float[positions * headDim];
        for (int j = 0; j < positions; j++) {
            for (int d = 0; d < headDim; d++) {
                keys[KeyBlocks.index(j, d, headDim)] = key(j, d);
                values[j * headDim + d] = value(j, d);
            }
        }
        return new float[][] {keys, values};
    }
}
