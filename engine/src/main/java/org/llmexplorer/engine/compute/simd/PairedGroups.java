package org.llmexplorer.engine.compute.simd;

/**
 * Row groups whose one-token kernel takes two groups at once ({@link #matvec2}): the activations'
 * codes, loaded and broadcast once, serve both, and the two groups, one from each half of a
 * thread's range, are two streams the prefetchers follow at once (Q4_0, one thread: 18 -> 19-23
 * GB/s in cache, generation on the llama-3.2-1b shape 22-24 -> 26-28 tokens/s). Kernels that are
 * large already stay single: Q4_K doubled ran three times slower, past C2's inlining budget.
 */
abstract class PairedGroups extends RowGroups {

    PairedGroups(int rows, int cols, int blockSize, int floatFields, int byteFields) {
        super(rows, cols, blockSize, floatFields, byteFields);
    }

    /** Pairs group g0 + i with g0 + half + i; an odd group left over is paired with itself. */
    @Override
    final void matvec(int g0, int g1, ActivationCodes x, float[] out, int o) {
        int half = (g1 - g0) / 2;
        for (int i = 0; i < half; i++) {
            matvec2(g0 + i, g0 + half + i, x, out, o);
        }
        if ((g1 - g0) % 2 != 0) {
            matvec2(g1 - 1, g1 - 1, x, out, o);
        }
    }

    @Override
    final void matvec(int g, ActivationCodes x, float[] out, int o) {
        matvec2(g, g, x, out, o - g * G);
    }

    /** Groups ga and gb (which may be one group) times one token's codes, their rows at out[o + g * G ..]. */
    abstract void matvec2(int ga, int gb, ActivationCodes x, float[] out, int o);
}
