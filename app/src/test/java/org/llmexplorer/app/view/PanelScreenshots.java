package org.llmexplorer.app.view;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Slider;
import javafx.scene.control.TabPane;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.llmexplorer.app.viewmodel.StepRef;
import org.llmexplorer.engine.model.DefaultModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Writes screenshots of the window to the folder given by -Dscreenshots=DIR (the sampling,
 * attention and train views at 1024x640, 1280x800 and 1920x1080, on the default model), and
 * pulse.json: the longest gap between JavaFX pulses while a reply streams in, while the
 * temperature slider is dragged over a selected token, and while a mask's window is dragged.
 * Run by scripts/screenshots; skipped in the normal test run.
 */
@ExtendWith(ApplicationExtension.class)
class PanelScreenshots {
    static final double[][] SIZES = {{1024, 640}, {1280, 800}, {1920, 1080}};
    ExplorerViewModel vm;
    MainWindow window;
    Stage stage;
    @TempDir
    Path config;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
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
        Path model = DefaultModel.find().orElse(Path.of("..", "shared", "models", "stories260K.gguf"));
        AtomicReference<CompletableFuture<?>> f = new AtomicReference<>();
        robot.interact(() -> f.set(vm.model.open(model)));
        f.get().get(60, TimeUnit.SECONDS);
        robot.interact(() -> {
            stage.setWidth(1600);
            stage.setHeight(1000);
            vm.sampling.maxTokens.set(90);
            vm.sampling.seedLocked.set(true);
        });
        Map<String, Object> pulses = new LinkedHashMap<>();

        org.llmexplorer.app.FrameMeter meter = new org.llmexplorer.app.FrameMeter();
        robot.interact(meter::start);
        robot.clickOn("#chat-input").write("And God said unto Moses");
        robot.clickOn("#send");
        WaitForAsyncUtils.waitFor(120, TimeUnit.SECONDS, () -> vm.chat.messages().size() == 2
                && !vm.chat.generatingProperty().get());
        robot.interact(meter::stop);
        pulses.put("streaming_ms", meter.longestMillis());
        pulses.put("reply_tokens", vm.chat.messages().get(1).steps().size());
        pulses.put("tokens_per_second", vm.chat.tokensPerSecondProperty().get());

        // Drag the temperature with a token selected and its distribution on screen.
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        robot.interact(() -> vm.inspector.selected.set(new StepRef(1, 3)));
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> vm.inspector.wouldPickProperty().get() >= 0);
        robot.interact(meter::start);
        Node thumb = robot.lookup("#temperature .thumb").query();
        robot.drag(thumb).moveBy(30, 0).moveBy(30, 0).moveBy(30, 0).moveBy(-60, 0).release(javafx.scene.input.MouseButton.PRIMARY);
        WaitForAsyncUtils.waitForFxEvents();
        robot.interact(meter::stop);
        pulses.put("temperature_drag_ms", meter.longestMillis());

        // Drag a mask's window with the attention view on screen (weights recomputed as it moves).
        robot.interact(() -> tabs.getSelectionModel().select(1));
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> vm.attention.snapshotProperty().get() != null
                && !vm.attention.busyProperty().get());
        robot.interact(() -> vm.attention.maskKind.set("sliding"));
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> robot.lookup("#mask-slider-w").tryQuery().isPresent()
                && !vm.attention.busyProperty().get());
        robot.interact(meter::start);
        robot.drag(robot.lookup("#mask-slider-w .thumb").queryAs(Node.class)).moveBy(20, 0).moveBy(20, 0).moveBy(-30, 0)
                .release(javafx.scene.input.MouseButton.PRIMARY);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !vm.attention.busyProperty().get());
        robot.interact(meter::stop);
        pulses.put("mask_window_drag_ms", meter.longestMillis());
        pulses.put("mask_after_drag", vm.attention.mask.get());
        pulses.put("model", model.getFileName().toString());
        Files.writeString(out.resolve("pulse.json"), new com.fasterxml.jackson.databind.ObjectMapper()
                .writerWithDefaultPrettyPrinter().writeValueAsString(pulses));

        // The attention view: a sliding window, zoomed enough for labels, a token selected.
        robot.interact(() -> {
            vm.attention.maskValues.put("w", "16");
            vm.attention.layer.set(1);
        });
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> !vm.attention.busyProperty().get()
                && vm.attention.snapshotProperty().get().plan().equals("sliding:w=16"));
        for (double[] size : SIZES) {
            String name = (int) size[0] + "x" + (int) size[1];
            robot.interact(() -> {
                stage.setWidth(size[0]);
                stage.setHeight(size[1]);
            });
            WaitForAsyncUtils.waitForFxEvents();
            robot.interact(() -> {
                tabs.getSelectionModel().select(0);
                vm.inspector.selected.set(new StepRef(1, 3));
            });
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> vm.inspector.wouldPickProperty().get() >= 0);
            WaitForAsyncUtils.waitForFxEvents();
            shot(robot, window.scene().getRoot(), out.resolve("window-sampling-" + name + ".png"));
            robot.interact(() -> tabs.getSelectionModel().select(1));
            WaitForAsyncUtils.waitForFxEvents();
            robot.interact(() -> {
                window.attentionView().heatmap().fit();
                window.attentionView().heatmap().zoom(2.5);
                vm.attention.clearSelection(); // selected again below, so that the view pans to it at this size
                vm.attention.selectCell(vm.attention.snapshotProperty().get().tokens().length - 6,
                        vm.attention.snapshotProperty().get().tokens().length - 12);
            });
            WaitForAsyncUtils.waitForFxEvents();
            shot(robot, window.scene().getRoot(), out.resolve("window-attention-" + name + ".png"));
        }

        // The Deeper tab: the logit lens of a verse, and the patching sweep of two (the same length in tokens).
        robot.interact(() -> {
            stage.setWidth(1280);
            stage.setHeight(800);
            tabs.getSelectionModel().select(tab(tabs, "tab-deeper"));
            vm.deeper.prompt.set("In the beginning God created the heaven and the");
            vm.deeper.corrupted.set("In the beginning God created the water and the");
            vm.deeper.view.set(org.llmexplorer.app.viewmodel.DeeperViewModel.View.LENS);
        });
        for (var view : List.of(org.llmexplorer.app.viewmodel.DeeperViewModel.View.LENS,
                org.llmexplorer.app.viewmodel.DeeperViewModel.View.PATCHING)) {
            AtomicReference<CompletableFuture<?>> shown = new AtomicReference<>();
            robot.interact(() -> {
                vm.deeper.view.set(view);
                shown.set(vm.deeper.run());
            });
            shown.get().get(120, TimeUnit.SECONDS);
            WaitForAsyncUtils.waitForFxEvents();
            shot(robot, window.scene().getRoot(), out.resolve("window-deeper-" + view.name().toLowerCase() + ".png"));
        }

        // The Train tab after a short run on a story text, probe heatmap refreshed as it learned.
        robot.interact(() -> {
            stage.setWidth(1280);
            stage.setHeight(800);
            tabs.getSelectionModel().select(tab(tabs, "tab-train"));
            vm.train.textFile.set(Path.of("..", "shared", "reference", "stories260K-perplexity.txt").toString());
            vm.train.layers.set(2);
            vm.train.dim.set(64);
            vm.train.vocab.set(400);
            vm.train.seqLen.set(32);
            vm.train.steps.set(150);
            vm.train.probe.set("Once upon a time, there was a little girl named Lily.");
            vm.train.probeHead.set(1);
        });
        AtomicReference<CompletableFuture<?>> run = new AtomicReference<>();
        robot.interact(() -> run.set(vm.train.start()));
        run.get().get(300, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        shot(robot, window.scene().getRoot(), out.resolve("window-train.png"));
    }

    private static javafx.scene.control.Tab tab(TabPane tabs, String id) {
        return tabs.getTabs().stream().filter(t -> id.equals(t.getId())).findFirst().orElseThrow();
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
