package org.llmexplorer.app.view;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.TabPane;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.llmexplorer.app.viewmodel.StepRef;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Writes a screenshot of each panel to the folder given by -Dscreenshots=DIR, and the longest
 * gap between JavaFX pulses while a reply streams in (pulse.json). Run by scripts/screenshots;
 * skipped in the normal test run.
 */
@ExtendWith(ApplicationExtension.class)
class PanelScreenshots {
    ExplorerViewModel vm;
    MainWindow window;

    @Start
    void start(Stage stage) throws Exception {
        Path config = Files.createTempDirectory("llmx-shots");
        vm = new ExplorerViewModel(Platform::runLater, new AppDirs(config, config.resolve("chats"), config.resolve("models")));
        window = new MainWindow(stage, vm);
        stage.show();
    }

    @Test
    void panels(FxRobot robot) throws Exception {
        String dir = System.getProperty("screenshots");
        assumeTrue(dir != null && !dir.isBlank(), "set -Dscreenshots=DIR to write screenshots");
        Path out = Path.of(dir);
        Files.createDirectories(out);
        AtomicReference<java.util.concurrent.CompletableFuture<?>> f = new AtomicReference<>();
        robot.interact(() -> f.set(vm.model.open(Path.of("..", "shared", "models", "stories260K.gguf"))));
        f.get().get(30, TimeUnit.SECONDS);
        robot.interact(() -> {
            vm.sampling.maxTokens.set(120);
            vm.sampling.seedLocked.set(true);
        });

        // Longest pause between pulses while the reply streams in.
        AtomicLong last = new AtomicLong();
        AtomicLong longest = new AtomicLong();
        AnimationTimer timer = new AnimationTimer() {
            @Override
            public void handle(long now) {
                long prev = last.getAndSet(now);
                if (prev != 0) {
                    longest.accumulateAndGet(now - prev, Math::max);
                }
            }
        };
        robot.interact(timer::start);
        robot.clickOn("#chat-input").write("Once upon a time, there was a little dragon");
        robot.clickOn("#send");
        WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> vm.chat.messages().size() == 2
                && !vm.chat.generatingProperty().get());
        robot.interact(timer::stop);
        double tps = vm.chat.tokensPerSecondProperty().get();
        Files.writeString(out.resolve("pulse.json"), new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                Map.of("longest_pulse_gap_ms", longest.get() / 1e6, "reply_tokens",
                        vm.chat.messages().get(1).steps().size(), "tokens_per_second", tps,
                        "model", "stories260K.gguf")));

        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        robot.interact(() -> tabs.getSelectionModel().select(0));
        shot(robot, window.scene().getRoot(), out.resolve("window-sampling.png"));
        robot.interact(() -> vm.inspector.selected.set(new StepRef(1, 6)));
        robot.interact(() -> tabs.getSelectionModel().select(1));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> vm.inspector.wouldPickProperty().get() >= 0);
        WaitForAsyncUtils.waitForFxEvents();
        shot(robot, window.scene().getRoot(), out.resolve("window-token.png"));
        robot.interact(() -> {
            tabs.getSelectionModel().select(2);
            vm.attention.layer.set(2);
            vm.attention.mask.set("");
            vm.attention.compare.set(true);
            vm.attention.compareMask.set("strided:l=4,head=split");
        });
        robot.interact(() -> vm.attention.refresh());
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> vm.attention.comparedProperty().get() != null);
        WaitForAsyncUtils.waitForFxEvents();
        shot(robot, window.scene().getRoot(), out.resolve("window-attention.png"));

        // The Train tab after a short run on a story text, probe heatmap refreshed as it learned.
        robot.interact(() -> {
            tabs.getSelectionModel().select(3);
            vm.train.textFile.set(Path.of("..", "shared", "reference", "stories260K-perplexity.txt").toString());
            vm.train.layers.set(2);
            vm.train.dim.set(64);
            vm.train.vocab.set(400);
            vm.train.seqLen.set(32);
            vm.train.steps.set(150);
            vm.train.probe.set("Once upon a time, there was a little girl named Lily.");
            vm.train.probeHead.set(1);
        });
        AtomicReference<java.util.concurrent.CompletableFuture<?>> run = new AtomicReference<>();
        robot.interact(() -> run.set(vm.train.start()));
        run.get().get(300, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        shot(robot, window.scene().getRoot(), out.resolve("window-train.png"));
    }

    private static void shot(FxRobot robot, Node node, Path file) throws Exception {
        AtomicReference<WritableImage> image = new AtomicReference<>();
        robot.interact(() -> image.set(node.snapshot(null, null)));
        WritableImage img = image.get();
        int w = (int) img.getWidth();
        int h = (int) img.getHeight();
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        PixelReader r = img.getPixelReader();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b.setRGB(x, y, r.getArgb(x, y));
            }
        }
        ImageIO.write(b, "png", file.toFile());
    }
}
