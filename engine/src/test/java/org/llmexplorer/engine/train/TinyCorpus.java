package org.llmexplorer.engine.train;

import java.util.List;
import org.llmexplorer.engine.sampling.SplitMix64;

/** A small made-up text with some structure to learn, and settings for runs that take seconds. */
final class TinyCorpus {
    private static final String[] SUBJECTS = {"The cat", "A dog", "The old man", "My sister", "The king", "A bird"};
    private static final String[] VERBS = {"sat on", "looked at", "walked to", "sang about", "dreamed of"};
    private static final String[] OBJECTS = {"the mat.", "the river.", "a green hill.", "the house.", "the sea."};

    private TinyCorpus() {
    }

    static String text(int lines, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append(SUBJECTS[(int) (r.nextDouble() * SUBJECTS.length)]).append(' ')
                    .append(VERBS[(int) (r.nextDouble() * VERBS.length)]).append(' ')
                    .append(OBJECTS[(int) (r.nextDouble() * OBJECTS.length)]).append('\n');
        }
        return sb.toString();
    }

    static Corpus corpus() {
        return Corpus.prepare(List.of(text(400, 1)), 0.1, null, 300, "gpt-2");
    }

    static TrainingSettings settings(int vocab, int steps, String mask) {
        return new TrainingSettings(2, 32, 4, 2, 64, vocab, 32, 16, 4, steps, 3e-3f, 2, 0.1f, 1f, 0.9f, 0.95f,
                0.1f, 7, mask, 3, 2, "gpt-2");
    }
}
