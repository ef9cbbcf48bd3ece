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
        float[] acc = new float[CHAINS * S.length()];
        java.util.Arrays.fill(acc, 1f);
        long rounds = 0;
        while (System.nanoTime() < end) {
            burst(acc);
            rounds++;
        }
        return rounds * BURST * CHAINS * S.length() * 2.0 + (acc[0] == 42f ? 1 : 0);
    }

    private static final int BURST = 4096;
    /** Independent chains: enough to cover an FMA's latency (4-5 cycles) at two a cycle, and fit 16 registers. */
    private static final int CHAINS = 12;

    /**
     * Twelve independent chains of fused multiply-adds, each accumulator the addend (a = m c + a):
     * that is one instruction on x86 (vfmadd231ps), where an accumulator passed as the
     * multiplicand (a = a m + c) made C2 copy the addend's register before each FMA, and that copy
     * took a vector port: on an Intel core, 121-165 GFLOP/s instead of 218. A method called often,
     * so the JIT compiles it whole.
     */
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
        FloatVector a8 = FloatVector.fromArray(S, acc, 8 * n);
        FloatVector a9 = FloatVector.fromArray(S, acc, 9 * n);
        FloatVector a10 = FloatVector.fromArray(S, acc, 10 * n);
        FloatVector a11 = FloatVector.fromArray(S, acc, 11 * n);
        // m c is about 1e-7: over a second of bursts the sums grow by about a hundred, no overflow
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        for (int i = 0; i < BURST; i++) {
            a0 = m.fma(c, a0);
            a1 = m.fma(c, a1);
            a2 = m.fma(c, a2);
            a3 = m.fma(c, a3);
            a4 = m.fma(c, a4);
            a5 = m.fma(c, a5);
            a6 = m.fma(c, a6);
            a7 = m.fma(c, a7);
            a8 = m.fma(c, a8);
            a9 = m.fma(c, a9);
            a10 = m.fma(c, a10);
            a11 = m.fma(c, a11);
        }
        a0.intoArray(acc, 0);
        a1.intoArray(acc, n);
        a2.intoArray(acc, 2 * n);
        a3.intoArray(acc, 3 * n);
        a4.intoArray(acc, 4 * n);
        a5.intoArray(acc, 5 * n);
        a6.intoArray(acc, 6 * n);
        a7.intoArray(acc, 7 * n);
        a8.intoArray(acc, 8 * n);
        a9.intoArray(acc, 9 * n);
        a10.intoArray(acc, 10 * n);
        a11.intoArray(acc, 11 * n);
    }
}
