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

    /** Per thread, the floats {@link #decode} last filled: grown, never shrunk, so decoding allocates rarely. */
    private static final ThreadLocal<float[][]> DECODED = ThreadLocal.withInitial(() -> new float[][] {{}, {}});

    /**
     * Keys and values of positions [0, positions) as floats, laid out as {@link Compute#attend}
     * reads them from index 0 (keys in {@link KeyBlocks}, values p * headDim + d): for a
     * reference computation. The arrays are this thread's and are filled again by its next call; what lies
     * past the last position is left as it was (attention reads only allowed positions).
     */
    public float[][] decode(int positions) {
        float[][] out = DECODED.get();
        int keys = KeyBlocks.span(positions, headDim);
        if (out[0].length < keys || out[1].length < positions * headDim) {
            out[0] = new float[keys];
            out[1] = new float[positions * headDim];
        }
        for (int j = 0; j < positions; j++) {
            for (int d = 0; d < headDim; d++) {
                out[0][KeyBlocks.index(j, d, headDim)] = key(j, d);
                out[1][j * headDim + d] = value(j, d);
            }
        }
        return out;
    }
}
