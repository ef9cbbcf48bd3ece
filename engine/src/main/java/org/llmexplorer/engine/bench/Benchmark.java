package org.llmexplorer.engine.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.KvCache;
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
     * @param tgAttentionMs   time spent in attention per generated token (what depth adds)
     * @param firstPrompt     tokens of the first prompt pass after opening (0 with a depth, whose
     *                        context comes first), and its time
     */
    public record Result(double[] ppTps, double[] tgTps, long peakHeapBytes, double ppAttentionMs, long ppAttendedPairs,
                         long ppAttentionFlops, double ppGflops, double tgGflops, double tgAttentionMs, int firstPrompt,
                         double firstPromptMs) {
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
        return run(model, ops, masks, promptTokens, genTokens, batch, repetitions, 0);
    }

    /**
     * As llama-bench with {@code -d depth}: the prompt and the generated tokens are measured with
     * {@code depth} tokens already in the context (filled once, not timed), so attention reads
     * that many more keys at every step.
     */
    public static Result run(Model model, Compute ops, MaskPlan masks, int promptTokens, int genTokens, int batch,
                             int repetitions, int depth) {
        return run(model, ops, masks, promptTokens, genTokens, batch, repetitions, depth, KvCache.Type.F32);
    }

    /** As {@link #run(Model, Compute, MaskPlan, int, int, int, int, int)} with the KV cache in the given type. */
    public static Result run(Model model, Compute ops, MaskPlan masks, int promptTokens, int genTokens, int batch,
                             int repetitions, int depth, KvCache.Type kvType) {
        Transformer transformer = model.transformer();
        int vocab = model.config().vocabSize();
        InferenceState state = new InferenceState(model.config(), depth + Math.max(promptTokens, genTokens), batch, kvType);
        int[] prompt = randomTokens(depth + promptTokens, vocab, 42);
        int[] gen = randomTokens(depth + genTokens, vocab, 43);
        long matrixFlops = matrixFlopsPerToken(model);
        long headFlops = outputHeadFlops(model);

        if (depth > 0) { // the context that is already there
            prompt(transformer, ops, state, masks, prompt, 0, depth, batch);
            System.arraycopy(prompt, 0, gen, 0, depth);
        }
        // Warm-up: the batched and the single-token paths both get compiled. C2 may finish the
        // single-token path's methods a second or more after their first call, behind the prompt's
        // queue, so rounds of eight tokens repeat until one is no faster than before. Without a
        // depth, the first pass is the first prompt after opening: timed, as a reply's first wait.
        int firstPrompt = 0;
        double firstPromptMs = 0;
        if (promptTokens > 0) {
            long t0 = System.nanoTime();
            prompt(transformer, ops, state, masks, prompt, depth, Math.min(promptTokens, 2 * batch), batch);
            if (depth == 0) {
                firstPrompt = Math.min(promptTokens, 2 * batch);
                firstPromptMs = (System.nanoTime() - t0) / 1e6;
            }
        }
        if (genTokens > 0) {
            untilSteady(() -> generate(transformer, ops, state, masks, gen, depth, Math.min(genTokens, 8)));
        }

        resetPeakHeap();
        double[] pp = new double[promptTokens > 0 ? repetitions : 0];
        double[] tg = new double[genTokens > 0 ? repetitions : 0];
        long attentionNanos = 0;
        long tgAttentionNanos = 0;
        long pairs = 0;
        long flops = 0;
        double ppSeconds = 0;
        double tgSeconds = 0;
        long tgAttentionFlops = 0;
        for (int r = 0; r < repetitions; r++) {
            if (promptTokens > 0) {
                state.resetCounters();
                long t0 = System.nanoTime();
                prompt(transformer, ops, state, masks, prompt, depth, promptTokens, batch);
                long dt = System.nanoTime() - t0;
                ppSeconds += dt / 1e9;
                pp[r] = promptTokens * 1e9 / dt;
                attentionNanos += state.attentionNanos();
                pairs = state.attendedPairs();
                flops = state.attentionFlops();
            }
            if (genTokens > 0) {
                state.resetCounters();
                long t0 = System.nanoTime();
                generate(transformer, ops, state, masks, gen, depth, genTokens);
                long dt = System.nanoTime() - t0;
                tgSeconds += dt / 1e9;
                tg[r] = genTokens * 1e9 / dt;
                tgAttentionFlops = state.attentionFlops();
                tgAttentionNanos += state.attentionNanos();
            }
        }
        // A prompt's forward calls apply the output head to their last token only.
        double ppMatrixFlops = (double) (matrixFlops - headFlops) * promptTokens
                + (double) headFlops * promptCalls(transformer, masks, promptTokens, batch);
        double ppGflops = promptTokens == 0 ? 0 : repetitions * (ppMatrixFlops + flops) / ppSeconds / 1e9;
        double tgGflops = genTokens == 0 ? 0
                : repetitions * ((double) matrixFlops * genTokens + tgAttentionFlops) / tgSeconds / 1e9;
        double tgAttentionMs = genTokens == 0 ? 0 : tgAttentionNanos / 1e6 / repetitions / genTokens;
        return new Result(pp, tg, peakHeap(), attentionNanos / 1e6 / repetitions, pairs, flops, ppGflops, tgGflops,
                tgAttentionMs, firstPrompt, firstPromptMs);
    }

    /**
     * Runs a warm-up round at least twice and for at least two seconds, until a round is within 3% of
     * the fastest before it (the compiled code has settled), or for 20 seconds at most.
     */
    static void untilSteady(Runnable round) {
        long start = System.nanoTime();
        long fastest = Long.MAX_VALUE;
        while (true) {
            long t0 = System.nanoTime();
            round.run();
            long t1 = System.nanoTime();
            long dt = t1 - t0;
            if (t1 - start >= 20_000_000_000L || (t1 - start >= 2_000_000_000L && dt >= 0.97 * fastest)) {
                return;
            }
            fastest = Math.min(fastest, dt);
        }
    }

    /** The output head's share of {@link #matrixFlopsPerToken}. */
    static long outputHeadFlops(Model model) {
        var output = model.transformer().weights().output();
        return 2L * output.rows() * output.cols();
    }

    /** Float operations of the matrix products of one token: two per weight (a multiply and an add). */
    static long matrixFlopsPerToken(Model model) {
        var w = model.transformer().weights();
        long sum = (long) w.output().rows() * w.output().cols();
        for (var l : w.layers()) {
            for (var m : new org.llmexplorer.engine.tensor.WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(),
                l.up(), l.down()}) {
                if (m != null) {
                    sum += (long) m.rows() * m.cols();
                }
            }
        }
        return 2 * sum;
    }

    /** How many forward calls {@link #prompt} makes for n tokens. */
    private static int promptCalls(Transformer transformer, MaskPlan masks, int n, int batch) {
        int step = promptStep(transformer, masks, n, batch);
        return n == 0 ? 0 : (n + step - 1) / step;
    }

    private static int promptStep(Transformer transformer, MaskPlan masks, int n, int batch) {
        return masks.looksAhead(transformer.config().layers(), transformer.config().heads()) ? n : batch;
    }

    /** tokens[from .. from + n) at positions from.. in batches. */
    private static void prompt(Transformer transformer, Compute ops, InferenceState s, MaskPlan masks, int[] tokens,
                               int from, int n, int batch) {
        int step = promptStep(transformer, masks, n, batch);
        for (int done = 0; done < n; done += step) {
            transformer.forward(ops, s, masks, tokens, from + done, Math.min(step, n - done), from + done, false);
        }
    }

    /** tokens[from .. from + n) one at a time at positions from.. */
    private static void generate(Transformer transformer, Compute ops, InferenceState s, MaskPlan masks, int[] tokens,
                                 int from, int n) {
        for (int i = 0; i < n; i++) {
            transformer.forward(ops, s, masks, tokens, from + i, 1, from + i, false);
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
