package org.llmexplorer.app.viewmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.train.Trainer;

/** The Train panel's view model without a window: UI updates run on the calling thread. */
class TrainViewModelTest {
    @TempDir
    Path dir;

    private Path text() throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] words = {"the cat sat on the mat.", "a dog ran to the sea.", "the bird sang in the tree."};
        for (int i = 0; i < 300; i++) {
            sb.append(words[i % 3]).append(i % 7 == 0 ? " and then it slept." : "").append('\n');
        }
        Path p = dir.resolve("text.txt");
        Files.writeString(p, sb.toString());
        return p;
    }

    private ExplorerViewModel vm() {
        return new ExplorerViewModel(Runnable::run, new AppDirs(dir, dir.resolve("chats"), dir.resolve("models")));
    }

    private static void small(TrainViewModel t) {
        t.layers.set(1);
        t.dim.set(32);
        t.heads.set(2);
        t.vocab.set(300);
        t.seqLen.set(16);
        t.batch.set(4);
        t.probeEvery.set(5);
    }

    @Test
    void aTextTooShortToValidateDrawsNoValidationPointsAndSaysSo() throws Exception {
        // Three short lines: the held-out end is shorter than one sequence, so there is no
        // validation loss; a NaN point would blank the whole chart.
        Path p = dir.resolve("short.txt");
        Files.writeString(p, "the cat sat on the mat.\na dog ran to the sea.\nthe bird sang in the tree.\n");
        try (ExplorerViewModel vm = vm()) {
            TrainViewModel t = vm.train;
            small(t);
            t.steps.set(5);
            t.textFile.set(p.toString());
            Trainer.Summary s = t.start().get(60, TimeUnit.SECONDS);
            assertTrue(Double.isNaN(s.validationLoss()));
            assertTrue(t.validationLoss().isEmpty(), t.validationLoss().toString());
            assertTrue(t.trainLoss().stream().allMatch(l -> Double.isFinite(l.loss())));
            assertTrue(t.statusProperty().get().contains("no validation"), t.statusProperty().get());
        }
    }

    @Test
    void trainsWithCurvesAndAProbeHeatmapThenExports() throws Exception {
        try (ExplorerViewModel vm = vm()) {
            TrainViewModel t = vm.train;
            small(t);
            t.steps.set(30);
            t.textFile.set(text().toString());
            t.probe.set("the cat sat");
            Trainer.Summary s = t.start().get(60, TimeUnit.SECONDS);
            assertFalse(s.cancelled());
            assertEquals(30, t.trainLoss().size());
            assertFalse(t.validationLoss().isEmpty());
            assertTrue(t.trainLoss().getLast().loss() < t.trainLoss().getFirst().loss() - 1);
            TrainViewModel.ProbeAttention a = t.attentionProperty().get();
            assertNotNull(a);
            assertEquals(30, a.step());
            assertEquals(a.tokens().length, a.weights().length);
            for (float[] row : a.weights()) { // every row a distribution
                double sum = 0;
                for (float w : row) {
                    sum += w;
                }
                assertEquals(1.0, sum, 1e-4);
            }
            assertEquals(0f, a.weights()[0][1], "causal: the first token sees only itself");
            assertFalse(t.runningProperty().get());
            assertTrue(t.trainedProperty().get());
            assertEquals(1.0, t.progressProperty().get(), 1e-9);

            Path out = t.export(dir.resolve("m.gguf")).get(30, TimeUnit.SECONDS);
            try (Model m = Model.open(out)) {
                assertEquals(32, m.config().dim());
            }
        }
    }

    @Test
    void cancelStopsBetweenSteps() throws Exception {
        try (ExplorerViewModel vm = vm()) {
            TrainViewModel t = vm.train;
            small(t);
            t.steps.set(100_000);
            t.textFile.set(text().toString());
            var run = t.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (t.trainLoss().size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(t.runningProperty().get());
            t.cancel();
            Trainer.Summary s = run.get(30, TimeUnit.SECONDS);
            assertTrue(s.cancelled());
            assertTrue(s.steps() < 100_000);
            assertFalse(t.runningProperty().get());
            assertTrue(t.statusProperty().get().startsWith("cancelled"), t.statusProperty().get());
        }
    }

    @Test
    void badSettingsSayWhy() throws Exception {
        try (ExplorerViewModel vm = vm()) {
            TrainViewModel t = vm.train;
            t.textFile.set(text().toString());
            t.mask.set("global");
            assertTrue(t.start().isCompletedExceptionally());
            assertTrue(t.statusProperty().get().contains("later tokens"), t.statusProperty().get());
            assertFalse(t.runningProperty().get());
        }
    }
}
