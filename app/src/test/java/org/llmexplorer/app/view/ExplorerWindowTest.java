package org.llmexplorer.app.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javafx.application.Platform;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Control;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextArea;
import javafx.scene.text.Text;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.store.ChatHistory;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/** The real window, driven headless (Monocle) with the stories model, as a person uses it. */
@ExtendWith(ApplicationExtension.class)
class ExplorerWindowTest {
    static final Path STORIES = Path.of("..", "shared", "models", "stories260K.gguf");
    ExplorerViewModel vm;
    MainWindow window;
    Stage stage;
    @TempDir
    Path config;

    @Start
    void start(Stage stage) throws Exception {
        this.stage = stage;
        vm = new ExplorerViewModel(Platform::runLater, dirs());
        window = new MainWindow(stage, vm);
        stage.show();
    }

    AppDirs dirs() {
        return new AppDirs(config, config.resolve("chats"), config.resolve("models"));
    }

    @AfterEach
    void close() {
        if (vm != null) {
            vm.close();
        }
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
                    + "', alerts " + vm.alerts());
        }
    }

    void openAndReply(FxRobot robot, String prompt, int tokens) throws Exception {
        var opening = new AtomicReference<java.util.concurrent.CompletableFuture<?>>();
        // The Open button's file chooser cannot be driven headless; it ends in this same call.
        robot.interact(() -> opening.set(vm.model.open(STORIES)));
        opening.get().get(30, TimeUnit.SECONDS);
        waitUntil(() -> vm.model.modelProperty().get() != null, "model loaded");
        robot.interact(() -> {
            vm.sampling.maxTokens.set(tokens);
            vm.sampling.seedLocked.set(true);
            vm.sampling.minP.set(0);
            vm.sampling.topP.set(1.0);
        });
        robot.clickOn("#chat-input").write(prompt);
        robot.clickOn("#send");
        waitUntil(() -> vm.chat.messages().size() == 2 && !vm.chat.generatingProperty().get(), "a reply");
        int n = vm.chat.messages().get(1).steps().size();
        assertTrue(n > 4, "reply of " + n + " tokens: " + vm.chat.messages().get(1).text());
        waitUntil(() -> robot.lookup("#token-1-" + (n - 1)).tryQuery().isPresent(), "every token on screen");
    }

    /** The values printed on the stage chart's bars. */
    static List<String> barValues(FxRobot robot) {
        return robot.lookup("#stage-chart .bar-value").queryAllAs(javafx.scene.control.Label.class).stream()
                .map(Labeled::getText).toList();
    }

    static boolean onScreen(Node n, Stage stage) {
        Bounds b = n.localToScene(n.getBoundsInLocal());
        return n.isVisible() && b.getWidth() > 0 && b.getMinX() >= 0 && b.getMaxX() <= stage.getScene().getWidth() + 1
                && b.getMinY() >= 0 && b.getMaxY() <= stage.getScene().getHeight() + 1;
    }

    @Test
    void dragTheTemperatureWithTheDistributionInViewAndTheBarsMove(FxRobot robot) throws Exception {
        openAndReply(robot, "Once upon a time", 24);
        robot.clickOn("#token-1-3");
        TabPane tabs = robot.lookup("#tabs").queryAs(TabPane.class);
        waitUntil(() -> "tab-sampling".equals(tabs.getSelectionModel().getSelectedItem().getId()), "the sampling view");
        waitUntil(() -> vm.inspector.wouldPickProperty().get() >= 0 && !barValues(robot).isEmpty(), "the stage chart");
        Slider temperature = robot.lookup("#temperature").queryAs(Slider.class);
        Node chart = robot.lookup("#stage-chart").query();
        assertTrue(onScreen(temperature, stage) && onScreen(chart, stage), "slider and bars on screen together");
        List<String> before = barValues(robot);

        org.llmexplorer.app.FrameMeter pulses = new org.llmexplorer.app.FrameMeter();
        robot.interact(pulses::start);
        robot.drag(robot.lookup("#temperature .thumb").queryAs(Node.class)).moveBy(40, 0).moveBy(60, 0).release(
                javafx.scene.input.MouseButton.PRIMARY);
        waitUntil(() -> temperature.getValue() > 1.0 && !barValues(robot).equals(before), "the bars re-drawn");
        robot.interact(pulses::stop);
        System.out.printf("longest FX pulse gap while dragging the temperature: %.1f ms%n", pulses.longestMillis());
        List<String> after = barValues(robot);
        assertNotEquals(before, after, "dragging the temperature re-shaped the distribution");
        assertTrue(vm.inspector.stages().getLast().stage().equals("temperature"));

        // Temperature 0 leaves one token; an alternative clicked in the chart branches the reply there.
        robot.interact(() -> temperature.setValue(0));
        waitUntil(() -> vm.inspector.stages().getLast().survivors() == 1, "temperature 0 leaves one token");
        robot.interact(() -> temperature.setValue(0.8));
        int alternative = vm.chat.messages().get(1).steps().get(3).top()[1].id();
        robot.clickOn("#alt-" + alternative);
        waitUntil(() -> !vm.chat.generatingProperty().get() && vm.chat.messages().size() == 2
                && vm.chat.messages().get(1).steps().size() > 3
                && vm.chat.messages().get(1).steps().get(3).token() == alternative, "branched reply");
    }

    @Test
    void turnAMaskKnobAndTheHeatmapAndConnectivityFollowWithoutAnotherClick(FxRobot robot) throws Exception {
        openAndReply(robot, "Tom and Sue went to the park with a ball", 20);
        robot.clickOn("#tab-attention");
        waitUntil(() -> vm.attention.snapshotProperty().get() != null && !vm.attention.busyProperty().get(),
                "weights shown when the panel opens");
        HeatmapView heat = window.attentionView().heatmap();
        HeatmapView conn = window.attentionView().connectivity();
        int n = heat.weights().length;
        float causal = heat.weights()[n - 1][n - 10];
        assertTrue(causal > 0);

        robot.clickOn("#mask-kind");
        robot.clickOn("Sliding window");
        waitUntil(() -> robot.lookup("#mask-slider-w").tryQuery().isPresent(), "the window's control");
        boolean[][] before = conn.allowed();
        Slider w = robot.lookup("#mask-slider-w").queryAs(Slider.class);
        // Turn the knob: the keyboard moves the window one token at a time.
        robot.clickOn("#mask-slider-w .thumb");
        robot.interact(() -> w.setValue(4));
        waitUntil(() -> "sliding:w=4".equals(vm.attention.mask.get()), "the spec follows the control");
        assertNotEquals(java.util.Arrays.deepToString(before), java.util.Arrays.deepToString(conn.allowed()),
                "the connectivity drawn at once");
        assertFalse(conn.allowed()[n - 1][n - 5], "a key 4 back is outside a window of 4");
        waitUntil(() -> heat.weights() != null && heat.weights()[n - 1][n - 10] == 0f && !vm.attention.busyProperty().get()
                && "sliding:w=4".equals(vm.attention.snapshotProperty().get().plan()), "the weights recomputed");
        assertEquals("sliding:w=4", robot.lookup("#mask-spec").queryAs(javafx.scene.control.TextField.class).getText());
        assertTrue(robot.lookup("#mask-description").queryAs(javafx.scene.control.Label.class).getText()
                .contains("last w tokens"));

        // Use it for generation: the next reply runs under the window.
        robot.clickOn("#apply-mask");
        assertEquals("sliding:w=4", vm.attention.appliedProperty().get());

        // A token selected in the chat lights up its row and column; a cell lights up two tokens in the chat.
        robot.clickOn("#token-1-2");
        waitUntil(() -> vm.attention.selectedTokenProperty().get() >= 0, "the token found in the heatmap");
        int t = vm.attention.selectedTokenProperty().get();
        assertEquals(t, heat.selectedToken(), "its row and column highlighted");
        assertEquals(vm.chat.messages().get(1).steps().get(2).text().strip(),
                vm.attention.snapshotProperty().get().tokens()[t].strip());
        robot.interact(() -> vm.attention.selectCell(t, t - 1));
        waitUntil(() -> !window.chatView().highlighted(1).isEmpty(), "two tokens lit in the chat");
        assertEquals(heat.cellQuery(), t);

        // The other views: one query over the text, and every head.
        robot.clickOn("#view-text");
        waitUntil(() -> robot.lookup("#attn-token-0").tryQuery().isPresent(), "the text view");
        robot.clickOn("#view-heads");
        waitUntil(() -> robot.lookup("#head-7").tryQuery().isPresent(), "eight heads");
        robot.clickOn("#head-5");
        assertEquals(5, vm.attention.head.get());
    }

    @Test
    void atTheSmallestSizeNothingIsCutOffAndTheMessageBoxKeepsItsWidth(FxRobot robot) throws Exception {
        assertTrue(stage.getMinWidth() <= 800, "an 800-pixel screen holds the window: " + stage.getMinWidth());
        openAndReply(robot, "Once upon a time", 12);
        robot.interact(() -> vm.attention.maskKind.set("sliding")); // the longest description the mask's section shows
        for (String tab : List.of("#tab-sampling", "#tab-attention", "#tab-generation", "#tab-deeper", "#tab-train")) {
            for (double[] size : new double[][] {{800, 600}, {1024, 640}, {1280, 800}, {1920, 1080}}) {
                robot.interact(() -> {
                    stage.setWidth(size[0]);
                    stage.setHeight(size[1]);
                });
                robot.clickOn(tab);
                WaitForAsyncUtils.waitForFxEvents();
                TextArea input = robot.lookup("#chat-input").queryAs(TextArea.class);
                assertTrue(input.getWidth() >= ChatView.INPUT_MIN_WIDTH, "message box " + input.getWidth() + " px wide at " + size[0]);
                // Too narrow for three panes the sidebar folds away, and comes back when there is room.
                boolean sidebarShown = robot.lookup("#sidebar").tryQuery().map(n -> n.getScene() != null).orElse(false);
                assertEquals(size[0] >= 1024, sidebarShown, "sidebar at " + size[0]);
                List<String> clipped = clipped(stage.getScene().getRoot(), stage);
                assertEquals(List.of(), clipped, tab + " at " + (int) size[0] + "x" + (int) size[1]);
                if (tab.equals("#tab-attention")) { // a short inspector starts with the mask's section folded
                    double height = window.attentionView().getHeight();
                    assertEquals(height >= AttentionView.FOLD_MASK_BELOW,
                            robot.lookup("#mask-pane").queryAs(javafx.scene.control.TitledPane.class).isExpanded(),
                            "mask section at an inspector " + height + " px high");
                    double bottom = window.attentionView().localToScene(window.attentionView().getLayoutBounds()).getMaxY();
                    assertTrue(bottom <= stage.getScene().getHeight(), "the attention view (heatmap included) ends at "
                            + bottom + " px, inside the window's " + stage.getScene().getHeight());
                }
            }
        }
        // Opened by hand on the smallest window, the section stays open whatever the size.
        robot.interact(() -> {
            stage.setWidth(800);
            stage.setHeight(600);
        });
        robot.clickOn("#tab-attention");
        javafx.scene.control.TitledPane mask = robot.lookup("#mask-pane").queryAs(javafx.scene.control.TitledPane.class);
        assertTrue(!mask.isExpanded(), "folded at 800x600");
        robot.clickOn(mask.lookup(".title"));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(mask.isExpanded(), "opened by a click");
        robot.interact(() -> stage.setHeight(640));
        robot.interact(() -> stage.setHeight(600));
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(mask.isExpanded(), "still open after the window moved");
    }

    /** Controls that are on screen but cut off: outside the window, or with their text shortened by "…" (at the end or within). */
    static List<String> clipped(Parent root, Stage stage) {
        List<String> out = new ArrayList<>();
        walk(root, stage, out, false);
        return out;
    }

    private static void walk(Node node, Stage stage, List<String> out, boolean scrolled) {
        if (!node.isVisible() || node.getScene() == null) {
            return;
        }
        if (node instanceof Control c && !(node.getParent() instanceof javafx.scene.control.skin.VirtualFlow)) {
            Bounds b = c.localToScene(c.getBoundsInLocal());
            String name = c.getClass().getSimpleName() + (c.getId() == null ? "" : "#" + c.getId())
                    + (c instanceof Labeled l ? " '" + l.getText() + "'" : "");
            // Inside a scroll pane a control may scroll vertically out of view, but not be cut at the sides.
            boolean outside = b.getMinX() < -1 || b.getMaxX() > stage.getScene().getWidth() + 1
                    || !scrolled && (b.getMinY() < -1 || b.getMaxY() > stage.getScene().getHeight() + 1);
            if (outside && b.getWidth() > 0) {
                out.add(name + " outside the window " + b);
            }
            if (c instanceof Labeled l && l.getText() != null && !l.getText().isEmpty()) {
                Node text = l.lookup(".text");
                String dots = l.getEllipsisString();
                if (text instanceof Text t && !dots.isEmpty() && t.getText().contains(dots) && !l.getText().contains(dots)) {
                    out.add(name + " shortened to '" + t.getText() + "'");
                }
            }
            if (c.getWidth() > 0 && c.getWidth() + 0.5 < c.minWidth(-1) && !(c instanceof ScrollPane)) {
                out.add(name + " narrower (" + c.getWidth() + ") than its minimum " + c.minWidth(-1));
            }
        }
        if (node instanceof Parent p && !(node instanceof ListView<?>)) {
            boolean inScroll = scrolled || node instanceof ScrollPane;
            for (Node child : p.getChildrenUnmodifiable()) {
                walk(child, stage, out, inScroll);
            }
        }
    }

    @Test
    void closeAndReopenTheWindowAndTheConversationIsInTheHistory(FxRobot robot) throws Exception {
        openAndReply(robot, "Lily found a shell", 16);
        String reply = vm.chat.messages().get(1).text();
        // Move the inspector's divider and fold the sidebar away: both are as left after the restart.
        robot.interact(() -> window.split().getDividers().get(1).setPosition(0.6));
        robot.clickOn("#toggle-sidebar");
        double inspectorDivider = window.split().getDividers().getFirst().getPosition();
        vm.history.flush().get(10, TimeUnit.SECONDS);
        robot.interact(() -> stage.hide());
        vm.close(); // what the application does when its window closes
        vm = null;
        AtomicReference<ExplorerViewModel> again = new AtomicReference<>();
        robot.interact(() -> {
            again.set(new ExplorerViewModel(Platform::runLater, dirs()));
            window = new MainWindow(stage, again.get());
            stage.show();
        });
        vm = again.get();
        waitUntil(() -> vm.chat.messages().size() == 2, "the last chat open again");
        assertEquals(2, window.split().getItems().size(), "the sidebar still folded");
        assertEquals(inspectorDivider, window.split().getDividers().getFirst().getPosition(), 0.02, "the divider where it was");
        robot.clickOn("#toggle-sidebar");
        assertEquals(3, window.split().getItems().size());
        assertEquals(0.6, window.split().getDividers().get(1).getPosition(), 0.02, "unfolded: the divider where it was");
        assertEquals(reply, vm.chat.messages().get(1).text());
        @SuppressWarnings("unchecked")
        ListView<ChatHistory.Entry> history = robot.lookup("#history").queryAs(ListView.class);
        assertEquals(1, history.getItems().size());
        assertEquals("Lily found a shell", history.getItems().getFirst().title());
        robot.clickOn("#new-chat");
        waitUntil(() -> vm.chat.messages().isEmpty(), "an empty chat");
        robot.clickOn("Lily found a shell");
        waitUntil(() -> vm.chat.messages().size() == 2, "reopened from the list");
        assertTrue(robot.lookup("#token-1-3").tryQuery().isPresent(), "reopened replies keep their tokens");

        // Runs on: choose the scalar backend; the model moves there and the card says so.
        var opening = new AtomicReference<java.util.concurrent.CompletableFuture<?>>();
        robot.interact(() -> opening.set(vm.model.open(STORIES)));
        opening.get().get(30, TimeUnit.SECONDS);
        robot.clickOn("#tab-model");
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

    /**
     * stories260K's heads are 8 wide, not whole blocks of 32: a Q8_0 cache is greyed out in the
     * list, and where it is the choice (a setting kept from another model) a hint beside it says why.
     */
    @Test
    void aKvCacheTheModelCannotHoldSaysWhyBeforeAReplyIsAsked(FxRobot robot) throws Exception {
        var opening = new AtomicReference<java.util.concurrent.CompletableFuture<?>>();
        robot.interact(() -> opening.set(vm.model.open(STORIES)));
        opening.get().get(30, TimeUnit.SECONDS);
        waitUntil(() -> vm.model.modelProperty().get() != null, "model loaded");
        robot.clickOn("#tab-generation");
        @SuppressWarnings("unchecked")
        javafx.scene.control.ComboBox<org.llmexplorer.engine.model.KvCache.Type> kv =
                robot.lookup("#kv-cache").queryAs(javafx.scene.control.ComboBox.class);
        javafx.scene.control.Label hint = robot.lookup("#kv-cache-hint").queryAs(javafx.scene.control.Label.class);
        robot.interact(() -> vm.sampling.kvCache.set(org.llmexplorer.engine.model.KvCache.Type.Q8_0));
        assertEquals("not for this model: its heads are 8 wide, not blocks of 32 (choose F16 or F32)", hint.getText());
        robot.interact(() -> vm.sampling.kvCache.set(org.llmexplorer.engine.model.KvCache.Type.F16));
        assertEquals("", hint.getText());
        robot.clickOn("#kv-cache");
        var cells = robot.lookup(".list-cell").queryAllAs(javafx.scene.control.ListCell.class).stream()
                .filter(c -> c.getListView() != null && c.getText() != null && c.getText().startsWith("Q8_0")).toList();
        assertTrue(!cells.isEmpty() && cells.stream().allMatch(javafx.scene.control.ListCell::isDisabled),
                "Q8_0 greyed out in the list: " + cells);
        robot.type(javafx.scene.input.KeyCode.ESCAPE);
    }

    @Test
    void aCorruptSettingsFileIsSaidOnScreenUntilDismissed(FxRobot robot) throws Exception {
        vm.close();
        Files.writeString(config.resolve("settings.json"), "{ not json");
        robot.interact(() -> {
            vm = new ExplorerViewModel(Platform::runLater, dirs());
            window = new MainWindow(stage, vm);
        });
        var opening = new AtomicReference<java.util.concurrent.CompletableFuture<?>>();
        robot.interact(() -> opening.set(vm.model.open(STORIES)));
        opening.get().get(30, TimeUnit.SECONDS);
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(robot.lookup(".alert-text").queryAllAs(javafx.scene.control.Label.class).stream()
                .anyMatch(l -> l.getText().contains("settings.json could not be read")), "the alert is on screen");
        robot.clickOn(".alert-dismiss");
        waitUntil(() -> vm.alerts().isEmpty() && robot.lookup(".alert-text").tryQuery().isEmpty(), "dismissed");
        assertTrue(robot.lookup("#chat-placeholder").queryAs(javafx.scene.control.Label.class).getText()
                .contains("no chat template"), "the empty chat speaks of the open model");
    }
}
