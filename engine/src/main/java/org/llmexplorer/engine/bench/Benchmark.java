package org.llmexplorer.engine.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.SplitMix64;

/**
 * Prompt processing and generation speed, measured the way llama-bench measures them: a prompt
 * of random tokens processed in batches from an empty context (pp), and single-token steps from
 * an empty context (tg), each repeated after a warm-up that lets the JIT compile the hot loops.
 */
public final class Benchmark {

    /**
     * @param ppAttentionMs   time spent in attention per prompt run
     * @param ppAttendedPairs (query, key) pairs attended per prompt run, over all layers and heads
     */
    public record Result(double[] ppTps, double[] tgTps, long peakHeapBytes, double ppAttentionMs, long ppAttendedPairs,
                         long ppAttentionFlops) {
        public double ppMean() {
            return mean(ppTps);
        }

        public double tgMean() {
            return mean(tgTps);
        }
    }

    private Benchmark() {
    }

    public static Result run(Model model, Compute ops, MaskPlan masks, int promptTokens, int genTokens, int batch,
                             int repetitions) {
        Transformer transformer = model.transformer();
        int vocab = model.config().vocabSize();
        InferenceState state = new InferenceState(model.config(), Math.max(promptTokens, genTokens), batch,
                ops.threads());
        int[] prompt = randomTokens(promptTokens, vocab, 42);
        int[] gen = randomTokens(genTokens, vocab, 43);

        // Warm-up: the batched and the single-token paths both get compiled.
        if (promptTokens > 0) {
            prompt(transformer, ops, state, masks, prompt, Math.min(promptTokens, 2 * batch), batch);
        }
        if (genTokens > 0) {
            generate(transformer, ops, state, masks, gen, Math.min(genTokens, 8));
        }

        resetPeakHeap();
        double[] pp = new double[promptTokens > 0 ? repetitions : 0];
        double[] tg = new double[genTokens > 0 ? repetitions : 0];
        long attentionNanos = 0;
        long pairs = 0;
        long flops = 0;
        for (int r = 0; r < repetitions; r++) {
            if (promptTokens > 0) {
                state.resetCounters();
                long t0 = System.nanoTime();
                prompt(transformer, ops, state, masks, prompt, promptTokens, batch);
                pp[r] = promptTokens * 1e9 / (System.nanoTime() - t0);
                attentionNanos += state.attentionNanos();
                pairs = state.attendedPairs();
                flops = state.attentionFlops();
            }
            if (genTokens > 0) {
                long t0 = System.nanoTime();
                generate(transformer, ops, state, masks, gen, genTokens);
                tg[r] = genTokens * 1e9 / (System.nanoTime() - t0);
            }
        }
        return new Result(pp, tg, peakHeap(), attentionNanos / 1e6 / repetitions, pairs, flops);
    }

    private static void prompt(Transformer transformer, Compute ops, InferenceState s, MaskPlan masks, int[] tokens, int n,
                               int batch) {
        int step = masks.looksAhead(transformer.config().layers(), transformer.config().heads()) ? n : batch;
        for (int done = 0; done < n; done += step) {
            transformer.forward(ops, s, masks, tokens, done, Math.min(step, n - done), done, false);
        }
    }

    private static void generate(Transformer transformer, Compute ops, InferenceState s, MaskPlan masks, int[] tokens, int n) {
        for (int i = 0; i < n; i++) {
            transformer.forward(ops, s, masks, tokens, i, 1, i, false);
        }
    }

    private static int[] randomTokens(int n, int vocab, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = (int) Math.floorMod(r.nextLong(), (long) vocab);
        }
        return t;
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peak usage since the last reset (an upper bound on the live heap). */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return v.length == 0 ? 0 : s / v.length;
    }
}
