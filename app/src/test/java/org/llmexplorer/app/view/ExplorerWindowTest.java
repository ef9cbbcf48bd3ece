package org.llmexplorer.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Slider;
import javafx.scene.control.TabPane;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The real window, driven headless (Monocle) with the stories model. */
@ExtendWith(ApplicationExtension.class)
class ExplorerWindowTest {
    static final Path STORIES = Path.of("..", "shared", "models", "stories260K.gguf");
    ExplorerViewModel vm;
    MainWindow window;
    Path config;

    @Start
    void start(Stage stage) throws Exception {
        config = Files.createTempDirectory("llmx-ui");
        vm = new ExplorerViewModel(Platform::runLater, new AppDirs(config, config.resolve("chats"), config.resolve("models")));
        window = new MainWindow(stage, vm);
        stage.show();
    }

    @AfterEach
    void close() {
        vm.close();
    }

    void waitUntil(BooleanSupplier condition, String what) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> {
                WaitForAsyncUtils.waitForFxEvents();
                return condition.getAsBoolean();
            });
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; messages " + vm.chat.messages().size()
                    + ", generating " + vm.chat.generatingProperty().get() + ", notice '" + vm.noticeProperty().get()
                    + "', input '" + vm.chat.input.get() + "'");
        }
    }

    @Test
    void chatInspectSteerAttendBranchSaveAndReopen(FxRobot robot) throws Exception {
        // The Open button's file chooser cannot be driven headless; it ends in this same call.
        var opening = new java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CompletableFuture<?>>();
        robot.interact(() -> opening.set(vm.model.open(STORIES)));
        opening.get().get(30, TimeUnit.SECONDS);
        waitUntil(() -> vm.model.modelProperty().get() != null, "model loaded");
        robot.interact(() -> {
            vm.sampling.maxTokens.set(24);
            vm.sampling.seedLocked.set(true);
            vm.sampling.minP.set(0);
            vm.sampling.topP.set(1.0);
        });

        // Send a message; the reply streams in as tokens.
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.clickOn("#send");
        waitUntil(() -> vm.chat.messages().size() == 2 && !vm.chat.generatingProperty().get(), "a reply");
        int n = vm.chat.messages().get(1).steps().size();
        assertTrue(n > 4, "reply of " + n + " tokens: " + vm.chat.messages().get(1).text());
        waitUntil(() -> robot.lookup("#token-1-" + (n - 1)).tryQuery().isPresent(), "every token on screen");

        // Select a token: the Token tab shows its stages.
        robot.clickOn("#token-1-3");
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        waitUntil(() -> tabs.getSelectionModel().getSelectedIndex() == 1, "token tab shown");
        VBox stages = robot.lookup("#stages").queryAs(VBox.class);
        waitUntil(() -> stages.getChildren().size() == 8, "eight stage boxes");
        int before = vm.inspector.stages().getLast().survivors();

        // Move the temperature slider to 0: the step's distribution is redrawn from kept logits.
        Slider temperature = robot.lookup("#temperature").queryAs(Slider.class);
        robot.interact(() -> temperature.setValue(0));
        waitUntil(() -> vm.inspector.stages().getLast().survivors() == 1, "temperature 0 leaves one token");
        assertTrue(before > 1, "before: " + before);
        robot.interact(() -> temperature.setValue(0.8));

        // Pick a mask: the heatmap changes.
        robot.interact(() -> tabs.getSelectionModel().select(2));
        robot.clickOn("#show-attention");
        waitUntil(() -> vm.attention.snapshotProperty().get() != null && !vm.attention.busyProperty().get(), "heatmap");
        HeatmapCanvas heat = robot.lookup("#heatmap").queryAs(HeatmapCanvas.class);
        float causal = heat.weights()[10][0];
        @SuppressWarnings("unchecked")
        ComboBox<String> mask = robot.lookup("#mask").queryAs(ComboBox.class);
        robot.interact(() -> mask.setValue("sliding:w=3"));
        robot.clickOn("#show-attention");
        waitUntil(() -> vm.attention.snapshotProperty().get().plan().equals("sliding:w=3")
                && !vm.attention.busyProperty().get(), "heatmap under the window");
        assertNotEquals(causal, heat.weights()[10][0]);
        assertEquals(0f, heat.weights()[10][0], "position 0 is outside the window of query 10");

        // Click an alternative token: the reply branches from there.
        robot.interact(() -> tabs.getSelectionModel().select(1));
        int alternative = vm.chat.messages().get(1).steps().get(3).top()[1].id();
        robot.clickOn("#alt-" + alternative);
        waitUntil(() -> !vm.chat.generatingProperty().get() && vm.chat.messages().size() == 2
                && vm.chat.messages().get(1).steps().size() > 3
                && vm.chat.messages().get(1).steps().get(3).token() == alternative, "branched reply");
        String branched = vm.chat.messages().get(1).text();

        // Save the chat, start a new one, reopen the saved one.
        robot.clickOn("#save-chat");
        waitUntil(() -> robot.lookup(".dialog-pane .text-field").tryQuery().isPresent(), "save dialog");
        javafx.scene.control.TextField name = robot.lookup(".dialog-pane .text-field").queryAs(javafx.scene.control.TextField.class);
        robot.interact(() -> name.setText("ui test"));
        robot.clickOn("OK");
        waitUntil(() -> Files.exists(config.resolve("chats").resolve("ui_test.json")), "chat saved");
        robot.clickOn("#new-chat");
        waitUntil(() -> vm.chat.messages().isEmpty(), "empty chat");
        robot.clickOn("#open-chat");
        robot.clickOn("ui_test.json");
        waitUntil(() -> vm.chat.messages().size() == 2, "chat reopened");
        assertEquals(branched, vm.chat.messages().get(1).text());
        assertTrue(robot.lookup("#token-1-3").tryQuery().isPresent(), "reopened replies keep their tokens");

        // Runs on: choose the scalar backend; the model moves there and the card says so.
        @SuppressWarnings("unchecked")
        javafx.scene.control.ComboBox<org.llmexplorer.engine.compute.Backends.Choice> backend =
                robot.lookup("#backend").queryAs(javafx.scene.control.ComboBox.class);
        waitUntil(() -> backend.getItems().size() >= 3, "backends listed");
        robot.interact(() -> backend.getSelectionModel().select(backend.getItems().stream()
                .filter(c -> c.name().equals("scalar")).findFirst().orElseThrow()));
        waitUntil(() -> vm.model.modelProperty().get().backend().equals("scalar (1 thread)"), "model on the scalar backend");
        assertTrue(robot.lookup(".label").queryAllAs(javafx.scene.control.Label.class).stream()
                .anyMatch(l -> "scalar (1 thread)".equals(l.getText())), "the model card shows the backend");
    }
}
