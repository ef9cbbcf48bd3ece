package org.llmexplorer.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    private static Trainer trainer(Corpus c, TrainingSettings s) {
        return new Trainer(s, new TrainingData(c.train(), c.validation(), s.seqLen(), s.seed()), c.tokenizer(), 2);
    }

    @Test
    void lossFallsOnTheTinyCorpus() throws Exception {
        Corpus c = TinyCorpus.corpus();
        TrainingSettings s = TinyCorpus.settings(c.tokenizer().size(), 40, "causal");
        List<Double> validation = new ArrayList<>();
        try (Trainer t = trainer(c, s)) {
            Trainer.Summary r = t.run(step -> { }, () -> false, null, 0);
            t.run(step -> { }, () -> false, null, 0); // nothing left to do
            assertEquals(40, r.steps());
            assertTrue(r.finalLoss() < r.firstLoss() - 1.5, r.firstLoss() + " -> " + r.finalLoss());
            assertTrue(r.validationLoss() < r.firstLoss() - 1.5, "validation " + r.validationLoss());
        }
    }

    /** Three steps, a checkpoint, a new trainer from it, three more: the same bits as six in a row. */
    @Test
    void checkpointsResumeBitForBit(@TempDir Path dir) throws Exception {
        Corpus c = TinyCorpus.corpus();
        TrainingSettings s = TinyCorpus.settings(c.tokenizer().size(), 6, "sliding:w=5");
        List<Double> straight = new ArrayList<>();
        List<Double> resumed = new ArrayList<>();
        LlamaParameters expected;
        try (Trainer t = trainer(c, s)) {
            t.run(step -> straight.add(step.loss()), () -> false, null, 0);
            expected = t.parameters();
        }
        try (Trainer t = trainer(c, s)) {
            t.run(step -> resumed.add(step.loss()), () -> resumed.size() == 3, dir, 0);
            assertEquals(3, t.step());
        }
        TrainingSettings saved = Trainer.settingsFromJson(Checkpoint.settings(dir));
        assertEquals(s, saved);
        try (Trainer t = trainer(c, saved)) {
            t.resume(dir);
            assertEquals(3, t.step());
            t.run(step -> resumed.add(step.loss()), () -> false, null, 0);
            assertEquals(straight, resumed);
            for (int i = 0; i < expected.all().size(); i++) {
                assertArrayEquals(expected.all().get(i).value(), t.parameters().all().get(i).value(),
                        expected.all().get(i).name());
            }
        }
    }

    @Test
    void schedule() {
        LearningRate lr = new LearningRate(1f, 10, 111);
        assertEquals(0.1f, lr.at(0), 1e-6);
        assertEquals(1f, lr.at(9), 1e-6);
        assertEquals(1f, lr.at(10), 1e-6);
        assertEquals(0.55f, lr.at(60), 1e-6); // halfway down the cosine (steps 10 to 110): (1 + 0.1) / 2
        assertEquals(0.1f, lr.at(110), 1e-6);
        assertEquals(0.1f, lr.at(500), 1e-6);
    }

    @Test
    void masksThatSeeAheadAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Trainer.masks("global"));
        assertThrows(IllegalArgumentException.class, () -> Trainer.masks("sliding:w=4,causal=false"));
        Trainer.masks("L0@sliding:w=8;L1-@causal");
    }
}
