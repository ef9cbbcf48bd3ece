package org.llmexplorer.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.scene.control.Spinner;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.viewmodel.DeeperViewModel;
import org.llmexplorer.app.viewmodel.DeeperViewModel.View;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.llmexplorer.engine.inspect.Grid;
import org.llmexplorer.engine.model.DefaultModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The Deeper tab on the shipped model: each view opened from its menu, run, its position changed, its grid changing. */
@ExtendWith(ApplicationExtension.class)
class DeeperViewTest {
    ExplorerViewModel vm;
    @TempDir
    Path config;

    @Start
    void start(Stage stage) throws Exception {
        vm = new ExplorerViewModel(Platform::runLater, new AppDirs(config, config.resolve("chats"), config.resolve("models")));
        new MainWindow(stage, vm);
        stage.show();
    }

    @AfterEach
    void close() {
        vm.close();
    }

    void waitUntil(BooleanSupplier condition, String what) throws Exception {
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, () -> {
                WaitForAsyncUtils.waitForFxEvents();
                return condition.getAsBoolean();
            });
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; status '" + vm.deeper.statusProperty().get()
                    + "', alerts " + vm.alerts());
        }
    }

    private Grid run(FxRobot robot, View view) throws Exception {
        robot.clickOn("#deeper-kind");
        robot.clickOn(view.title);
        assertEquals(view, vm.deeper.view.get());
        Grid before = vm.deeper.gridProperty().get();
        robot.clickOn("#deeper-run");
        waitUntil(() -> !vm.deeper.busyProperty().get() && vm.deeper.gridProperty().get() != null
                && vm.deeper.gridProperty().get() != before, view.title + " shown");
        return vm.deeper.gridProperty().get();
    }

    private void position(FxRobot robot, int p) {
        Spinner<?> spinner = robot.lookup("#deeper-position").queryAs(Spinner.class);
        robot.interact(() -> spinner.getEditor().setText(String.valueOf(p)));
        robot.interact(spinner::commitValue);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @Test
    void eachViewRunsOnTheShippedModelAndFollowsThePosition(FxRobot robot) throws Exception {
        Path model = DefaultModel.find().orElseThrow();
        robot.interact(() -> vm.model.open(model));
        waitUntil(() -> vm.model.modelProperty().get() != null, "the shipped model loaded");
        robot.clickOn("#tab-deeper");
        robot.interact(() -> {
            vm.deeper.prompt.set("In the beginning God created the heaven and the earth.");
            vm.deeper.corrupted.set("In the beginning God created the heaven and the water.");
        });

        // Logit lens: layers by positions; the position moves the marked column and the top-10 shown.
        Grid lens = run(robot, View.LENS);
        int layers = lens.rows().size();
        int n = lens.columns().size();
        assertTrue(layers == 4 && n > 5, layers + " x " + n);
        assertTrue(lens.rows().getFirst().contains("output"), "the model's own answer is marked");
        assertEquals(n - 1, vm.deeper.selectedColumnProperty().get());
        List<String> lastDetails = List.copyOf(vm.deeper.details());
        position(robot, 2);
        assertEquals(2, vm.deeper.selectedColumnProperty().get());
        assertNotEquals(lastDetails, List.copyOf(vm.deeper.details()), "another position, another top-10");
        assertEquals(12, vm.deeper.details().size(), "the cell's name, its entropy line and its top 10 - "
                + vm.deeper.details());

        // A click on a cell shows that layer's top-10.
        GridCanvas canvas = robot.lookup("#deeper-grid").queryAs(GridCanvas.class);
        double[] c = canvas.centre(layers - 1, 3);
        javafx.geometry.Point2D onScreen = canvas.localToScreen(c[0], c[1]);
        robot.clickOn(onScreen);
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(layers - 1, vm.deeper.selectedRowProperty().get());
        assertTrue(vm.deeper.details().get(1).startsWith("after layer 0"), vm.deeper.details().toString());

        // Knock-out: the prediction compared at another position is another grid.
        robot.interact(() -> vm.deeper.heads.set("0.1, 1.2"));
        position(robot, -1);
        Grid last = run(robot, View.KNOCKOUT);
        assertEquals(List.of("intact", "knocked out"), last.columns());
        position(robot, 3);
        Grid third = run(robot, View.KNOCKOUT);
        assertNotEquals(java.util.Arrays.deepToString(last.texts()), java.util.Arrays.deepToString(third.texts()));

        // Head importance: layers by heads.
        Grid sweep = run(robot, View.SWEEP);
        assertEquals(layers, sweep.rows().size());
        assertEquals(8, sweep.columns().size());
        assertTrue(vm.deeper.statusProperty().get().startsWith("most important head"));
        // Another token watched: typed in the Token field, it names the sweep.
        robot.clickOn("#deeper-target").write(" water");
        Grid water = run(robot, View.SWEEP);
        assertTrue(water.title().contains("p( water)"), water.title());
        assertNotEquals(java.util.Arrays.deepToString(sweep.values()), java.util.Arrays.deepToString(water.values()));
        robot.interact(() -> vm.deeper.target.set(""));

        // Patching: the clean and corrupted texts differ in their last word.
        Grid patch = run(robot, View.PATCHING);
        assertEquals(n, patch.columns().size());
        position(robot, 1);
        assertEquals(1, vm.deeper.selectedColumnProperty().get());
        assertTrue(vm.deeper.details().get(1).startsWith("recovered"));

        // Readings: the head grid, then prediction entropy along the text.
        Grid heads = run(robot, View.READINGS);
        assertEquals(8, heads.columns().size());
        robot.clickOn("#deeper-reading");
        robot.clickOn(DeeperViewModel.Reading.ENTROPY.title);
        waitUntil(() -> vm.deeper.gridProperty().get().rows().size() == 1, "the entropy row");
        assertNotNull(vm.deeper.report());
    }

    /** The entropy line under the chat follows the reply, and a click on it selects the token under the pointer. */
    @Test
    void theEntropyLineUnderTheChatSelectsTokens(FxRobot robot) throws Exception {
        Path model = DefaultModel.find().orElseThrow();
        robot.interact(() -> vm.model.open(model));
        waitUntil(() -> vm.model.modelProperty().get() != null, "the shipped model loaded");
        robot.interact(() -> vm.sampling.maxTokens.set(40));
        robot.clickOn("#chat-input").write("And God said");
        robot.clickOn("#send");
        waitUntil(() -> vm.chat.messages().size() == 2 && !vm.chat.generatingProperty().get(), "a reply");
        // "From chat" takes the reply into the Deeper tab's text.
        robot.clickOn("#tab-deeper");
        robot.clickOn("#deeper-from-chat");
        assertEquals(vm.chat.messages().get(1).text().strip(), vm.deeper.prompt.get());
        javafx.scene.Node line = robot.lookup("#entropy-line").query();
        waitUntil(line::isVisible, "the entropy line");
        var bounds = line.localToScreen(line.getBoundsInLocal());
        robot.clickOn(new javafx.geometry.Point2D(bounds.getMinX() + bounds.getWidth() * 0.75, bounds.getMinY() + 8));
        WaitForAsyncUtils.waitForFxEvents();
        var selected = vm.inspector.selected.get();
        assertNotNull(selected);
        assertEquals(1, selected.message());
        int steps = vm.chat.messages().get(1).steps().size();
        assertTrue(Math.abs(selected.step() - 0.75 * steps) <= 1.5, selected.step() + " of " + steps);
    }
}
