package org.llmexplorer.engine.compute.simd;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs a weight type's one-token kernel on its own, the first time a matrix of that type is
 * packed in this JVM, until C2 has compiled it.
 *
 * <p>Why: C2 compiles a kernel with the type profiles of the Vector API's own methods, which every
 * kernel shares. When a prompt ran first (the order of every chat: the prompt, then the reply),
 * the prompt tiles' calls had filled those profiles, and the large one-token kernels of Q5_K and
 * Q6_K were sometimes compiled with some vector operations left to their Java fallbacks: a Q5_K_M
 * file then generated at 3-11 tokens/s against 13-15 when generation had been compiled first
 * ({@code llmx bench --prompt-tokens 128 --gen-tokens 32}, one thread). Compiled here, before any
 * prompt, the kernel keeps its good code. Costs 0.5-1.2 s per type at the first load (C2's
 * compile of the kernel, measured on the 1B files), on a slice of the model's own matrix; the
 * output goes to scratch.
 */
final class KernelWarmUp {
    private static final Set<Class<?>> WARMED = ConcurrentHashMap.newKeySet();
    /** Calls per round; the kernel counts as compiled once a round runs 3 times faster than the first. */
    private static final int CALLS = 20;
    private static final long MAX_NANOS = 1_500_000_000L;

    private KernelWarmUp() {
    }

    /** Compiles g's one-token kernel now, unless a matrix of its type did so before; returns the rounds run. */
    static int compileOneTokenKernel(RowGroups g) {
        if (!WARMED.add(g.getClass())) {
            return 0;
        }
        ActivationCodes x = g.superBlocks() ? new ActivationCodes.Q8_K() : new ActivationCodes.Q8_0();
        float[] v = new float[g.cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i); // any activations: only the code paths matter
        }
        x.quantize(v, 0, g.cols);
        g.prepare(x, g.cols);
        int groups = Math.min(2, g.groups); // two, so that paired kernels take their pairs
        float[] out = new float[groups * RowGroups.G];
        long start = System.nanoTime();
        long first = 0;
        for (int round = 1; ; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                g.matvec(0, groups, x, out, 0);
            }
            long t1 = System.nanoTime();
            if (round == 2) {
                first = t1 - t0; // the first round may include the interpreter's start
            } else if (round > 2 && 3 * (t1 - t0) < first || t1 - start > MAX_NANOS) {
                return round;
            }
        }
    }
}
