package org.llmexplorer.engine.generate;

import java.util.List;
import java.util.function.IntConsumer;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * Readies a freshly opened model for talking: every weight matrix prepared on the backend
 * ({@link Compute#prepare}: the SIMD backend repacks its integer-product types and compiles their
 * kernels), then a short forward pass on a generator of its own, so that the JIT has compiled
 * the forward pass (attention, norms, activation codes, tiles) before the first real prompt.
 * Uncompiled, that code first runs in the interpreter: on the 1B Q8_0 file at two threads the
 * first 40-token prompt after loading took 2.2 s and the next ones 0.6 s; after one round (0.9-1.1
 * s, spent where the window shows its loading progress) the first took 0.72-0.81 s. A second
 * round cost 0.4 s more and saved 0.05-0.1 s of that prompt. The model's and the backend's state
 * are left as they were: only the JIT remembers.
 */
public final class WarmUp {
    /** Rounds of forward passes. */
    public static final int ROUNDS = 1;
    /** Prompt tokens per round: enough for the many-token tiles, then single tokens for the reply's path. */
    private static final int PROMPT = 8;
    private static final int SINGLES = 2;
    /** The two phases progress names, in their order (the window shows them, bench times them). */
    public static final String PREPARING_PHASE = "preparing the weights";
    public static final String WARMING_PHASE = "warming up";
    /** The share of the progress the matrices take; the rounds the rest. */
    private static final double PREPARING = 0.8;

    /** Hears how far the warm-up is (0 to 1) and in which phase; may throw (a cancellation) to stop it. */
    @FunctionalInterface
    public interface Progress {
        void at(String phase, double fraction);
    }

    private WarmUp() {
    }

    /**
     * Prepares every matrix, then runs the forward pass, telling progress after each matrix (so a
     * listener that cancels stops the work between any two) and each round.
     */
    public static void ready(Model model, Compute ops, Progress progress) {
        List<WeightMatrix> matrices = model.transformer().matrices();
        for (int i = 0; i < matrices.size(); i++) {
            ops.prepare(matrices.get(i));
            progress.at(PREPARING_PHASE, PREPARING * (i + 1) / matrices.size());
        }
        progress.at(WARMING_PHASE, PREPARING);
        forward(model, ops, round -> progress.at(WARMING_PHASE, PREPARING + (1 - PREPARING) * round / ROUNDS));
    }

    /**
     * Runs the forward passes only; {@code afterRound} hears each finished round (1 .. ROUNDS) and
     * may throw to stop.
     */
    public static void forward(Model model, Compute ops, IntConsumer afterRound) {
        int vocab = model.config().vocabSize();
        int[] ids = new int[PROMPT + SINGLES];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (1 + 7 * i) % vocab; // any ids: only the code paths matter
        }
        for (int round = 1; round <= ROUNDS; round++) {
            Generator g = new Generator(model, ops, ids.length);
            g.ingest(ids, PROMPT, 0);
            for (int i = PROMPT; i < ids.length; i++) {
                g.ingest(new int[] {ids[i]}, 1, i);
            }
            afterRound.accept(round);
        }
    }
}
