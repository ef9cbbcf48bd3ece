package org.llmexplorer.engine.bench;

import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float throughput as the Vector API reaches it: every thread runs fused
 * multiply-adds on independent registers (enough to hide the latency of each) for a while.
 * What a compute-bound kernel can at best approach; benchmarks report their GFLOP/s against it.
 */
public final class FloatPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FloatPeak() {
    }

    /** Billions of float operations a second (a fused multiply-add counts two), on {@code threads} threads. */
    public static double gflops(int threads, double seconds) {
        measure(threads, 0.3); // the first run lets the JIT compile the loop into vector instructions
        return measure(threads, seconds);
    }

    private static double measure(int threads, double seconds) {
        DoubleAdder flops = new DoubleAdder();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> flops.add(run(end)));
            workers[t].start();
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return flops.sum() / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }

    private static double run(long end) {
        float[] acc = new float[8 * S.length()];
        java.util.Arrays.fill(acc, 1f);
        long rounds = 0;
        while (System.nanoTime() < end) {
            burst(acc);
            rounds++;
        }
        return rounds * BURST * 8.0 * S.length() * 2 + (acc[0] == 42f ? 1 : 0);
    }

    private static final int BURST = 4096;

    /** Eight independent chains of fused multiply-adds; a method called often, so the JIT compiles it whole. */
    private static void burst(float[] acc) {
        int n = S.length();
        FloatVector a0 = FloatVector.fromArray(S, acc, 0);
        FloatVector a1 = FloatVector.fromArray(S, acc, n);
        FloatVector a2 = FloatVector.fromArray(S, acc, 2 * n);
        FloatVector a3 = FloatVector.fromArray(S, acc, 3 * n);
        FloatVector a4 = FloatVector.fromArray(S, acc, 4 * n);
        FloatVector a5 = FloatVector.fromArray(S, acc, 5 * n);
        FloatVector a6 = FloatVector.fromArray(S, acc, 6 * n);
        FloatVector a7 = FloatVector.fromArray(S, acc, 7 * n);
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        for (int i = 0; i < BURST; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, n);
        a2.intoArray(acc, 2 * n);
        a3.intoArray(acc, 3 * n);
        a4.intoArray(acc, 4 * n);
        a5.intoArray(acc, 5 * n);
        a6.intoArray(acc, 6 * n);
        a7.intoArray(acc, 7 * n);
    }
}
