package org.llmexplorer.engine.generate;

import java.util.function.IntConsumer;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.Model;

/**
 * A few short forward passes through a freshly opened model, on a generator of their own, so
 * that the JIT has compiled the forward pass (attention, norms, activation codes, tiles) before
 * the first real prompt. Uncompiled, that code first runs in the interpreter: on the 1B Q8_0 file
 * at two threads the first 40-token prompt after loading took 2.2 s and the next ones 0.6 s;
 * after two warm-up rounds (1.8 s, spent where the window shows its loading progress) the first
 * took 0.76 s. The model's and the backend's state are left as they were: only the JIT remembers.
 */
public final class WarmUp {
    /** Rounds run; the second finds most of the code compiled by C1 and hands it to C2. */
    public static final int ROUNDS = 2;
    /** Prompt tokens per round: enough for the many-token tiles, then single tokens for the reply's path. */
    private static final int PROMPT = 8;
    private static final int SINGLES = 2;

    private WarmUp() {
    }

    /**
     * Runs the rounds; {@code afterRound} hears each finished one (1 .. ROUNDS) and may throw
     * (a cancellation) to stop.
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
