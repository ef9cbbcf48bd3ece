package org.llmexplorer.engine.compute.simd;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a weight type's kernels on their own, the first time a matrix of that type is packed in
 * this JVM, until C2 has compiled them: the one-token kernel first, then the prompt tile.
 *
 * <p>Why the one-token kernel, and first: C2 compiles a kernel with the type profiles of the
 * Vector API's own methods, which every kernel shares. When a prompt ran first (the order of
 * every chat: the prompt, then the reply), the prompt tiles' calls had filled those profiles,
 * and the large one-token kernels of Q5_K and Q6_K were sometimes compiled with some vector
 * operations left to their Java fallbacks: a Q5_K_M file then generated at 3-11 tokens/s against
 * 13-15 when generation had been compiled first ({@code llmx bench --prompt-tokens 128
 * --gen-tokens 32}, one thread).
 *
 * <p>Why the tile: uncompiled, the first prompt ran its tiles in the interpreter and then in a
 * version compiled on the stack (OSR), whose vector code is many times slower: on the 1B Q8_0
 * file at two threads the first 40-token prompt after loading took 3.4 s, the next ones 0.6 s.
 * Here, on one group and thirteen tokens (the eight-token tile where vectors have 16 float lanes,
 * the four-token tile and the one-token tail), the tiles are compiled whole while the model
 * loads, where the window shows progress.
 *
 * <p>Costs 1.0-1.5 s per type at the first load, mostly waiting for C2 (the one-token kernel
 * 0.5-0.9 s, the tile 0.5-0.6 s, measured on the 1B files at two threads), on a slice of the
 * model's own matrix; the output goes to scratch.
 */
final class KernelWarmUp {
    private static final Set<Class<?>> WARMED = ConcurrentHashMap.newKeySet();
    /** Calls per round. */
    private static final int CALLS = 20;
    /**
     * A kernel counts as compiled once a round runs this many times faster than the first, which
     * the interpreter runs: C1's code ran rounds of the 1B files' kernels 6-23 times faster, C2's
     * 220-5,500 times (3 times faster than the second round, the bound first used, stopped at
     * C1's code). Measured against the first round, a machine whose C2 has finished by the second
     * round stops there too; one whose C2 never gets there stops after MAX_NANOS.
     */
    private static final int COMPILED = 100;
    private static final long MAX_NANOS = 3_000_000_000L;
    /** Tokens of the tiles' warm-up: one pass of each tile, eight tokens, four and one. */
    private static final int TILE_TOKENS = 13;

    private KernelWarmUp() {
    }

    /** Compiles g's kernels now, unless a matrix of its type did so before; returns the rounds run. */
    static int compileKernels(RowGroups g) {
        if (!WARMED.add(g.getClass())) {
            return 0;
        }
        return compileOneTokenKernel(g) + compileTile(g);
    }

    private static int compileOneTokenKernel(RowGroups g) {
        ActivationCodes x = codes(g, 1);
        g.prepare(x, g.cols);
        int groups = Math.min(2, g.groups); // two, so that paired kernels take their pairs
        float[] out = new float[groups * RowGroups.G];
        return untilCompiled(() -> g.matvec(0, groups, x, out, 0));
    }

    private static int compileTile(RowGroups g) {
        ActivationCodes x = codes(g, TILE_TOKENS);
        float[] tokens = g.tokens(x, TILE_TOKENS * g.cols);
        float[] out = new float[TILE_TOKENS * g.paddedRows()];
        RowGroups.Scratch scratch = new RowGroups.Scratch();
        return untilCompiled(() -> g.tiled(0, 1, x, tokens, TILE_TOKENS, out, scratch));
    }

    /** Codes of n tokens of any activations: only the code paths matter. */
    private static ActivationCodes codes(RowGroups g, int n) {
        ActivationCodes x = g.superBlocks() ? new ActivationCodes.Q8_K() : new ActivationCodes.Q8_0();
        float[] v = new float[n * g.cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i);
        }
        x.quantize(v, 0, v.length);
        return x;
    }

    private static int untilCompiled(Runnable kernel) {
        long start = System.nanoTime();
        long first = 0;
        for (int round = 1; ; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                kernel.run();
            }
            long t1 = System.nanoTime();
            if (round == 1) {
                first = t1 - t0;
            } else if ((long) COMPILED * (t1 - t0) < first || t1 - start > MAX_NANOS) {
                return round;
            }
        }
    }
}
