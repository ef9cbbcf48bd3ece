package org.llmexplorer.engine.train;

import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.model.Rope;

/**
 * Rotary positions as the engine applies them to llama (pairs of adjacent values, angles from
 * {@link Rope}), so the exported model sees exactly the rotation it was trained with. A rotation
 * is orthogonal: its backward pass rotates the gradient by the opposite angle.
 */
public final class RotaryEmbedding {
    private final float[][] cos;
    private final float[][] sin;
    private final float[][] minusSin;
    private final Rope rope;

    /** Angles for positions 0 .. positions - 1. */
    public RotaryEmbedding(int headDim, float base, int positions) {
        rope = new Rope(headDim, base, null, Rope.Style.NORM, 1f);
        cos = new float[positions][headDim / 2];
        sin = new float[positions][headDim / 2];
        minusSin = new float[positions][headDim / 2];
        for (int pos = 0; pos < positions; pos++) {
            rope.angles(pos, cos[pos], sin[pos]);
            for (int i = 0; i < headDim / 2; i++) {
                minusSin[pos][i] = -sin[pos][i];
            }
        }
    }

    /** Rotates n tokens of heads x headDim values in place; token t sits at position t % seqLen. */
    public void forward(Parallel p, float[] v, int n, int seqLen, int heads, int headDim) {
        p.forEach(n, (t, worker) -> rope.apply(v, t * heads * headDim, heads, headDim, cos[t % seqLen], sin[t % seqLen]));
    }

    /** Turns the gradient with respect to rotated values into the gradient before rotation, in place. */
    public void backward(Parallel p, float[] grad, int n, int seqLen, int heads, int headDim) {
        p.forEach(n, (t, worker) ->
                rope.apply(grad, t * heads * headDim, heads, headDim, cos[t % seqLen], minusSin[t % seqLen]));
    }
}
