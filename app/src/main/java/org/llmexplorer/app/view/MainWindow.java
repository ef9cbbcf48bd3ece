package org.llmexplorer.app.view;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;

/**
 * The window: three panes side by side that the user can resize (the dividers are remembered)
 * and whose sides fold away: the chat history and the model card on the left, the conversation
 * in the middle, the inspector on the right (sampling with its live distribution, attention with
 * its mask controls, generation settings, training). Alerts that must be read stay at the top
 * until dismissed; the status bar passes on the rest.
 */
public final class MainWindow {
    static final double SIDEBAR_MIN = 180;
    static final double INSPECTOR_MIN = 360;

    private final ExplorerViewModel vm;
    private final Stage stage;
    private final Scene scene;
    private final TabPane tabs = new TabPane();
    private final TabPane side = new TabPane();
    private final SplitPane split = new SplitPane();
    private final ChatView chat;
    private final AttentionView attention;
    private final SamplingPanel sampling;
    private final ToggleButton sidebarToggle = new ToggleButton("Chats & model");
    private final ToggleButton inspectorToggle = new ToggleButton("Inspector");
    private boolean restoring;

    public MainWindow(Stage stage, ExplorerViewModel vm) {
        this.stage = stage;
        this.vm = vm;
        Settings settings = vm.context().settings();

        ModelCard card = new ModelCard(vm.model, this::openModelFile, this::showDownloads);
        ScrollPane cardScroll = new ScrollPane(card);
        cardScroll.setFitToWidth(true);
        Tab chats = new Tab("Chats", new HistoryView(vm.history));
        chats.setId("tab-chats");
        Tab modelTab = new Tab("Model", cardScroll);
        modelTab.setId("tab-model");
        side.getTabs().addAll(chats, modelTab);
        side.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        side.setId("sidebar");
        side.setMinWidth(SIDEBAR_MIN);

        chat = new ChatView(vm.chat, vm.attention, vm.inspector.selected, this::inspect);
        chat.setId("chat");

        sampling = new SamplingPanel(vm.sampling, vm.inspector);
        GenerationView generation = new GenerationView(vm.sampling, vm.model.modelProperty());
        generation.comparison((a, b, first, second) -> {
            first.setText("…");
            second.setText("…");
            vm.chat.compare(a, b).whenComplete((replies, error) -> Platform.runLater(() -> {
                if (error != null || replies.size() < 2) {
                    first.setText(error == null ? "" : "failed: " + error.getMessage());
                    second.setText("");
                    return;
                }
                first.setText(replies.get(0).text());
                second.setText(replies.get(1).text());
            }));
        });
        attention = new AttentionView(vm.attention, vm.model.modelProperty(), this::saveAs, vm.context()::notifyUser);
        Tab samplingTab = new Tab("Sampling", sampling);
        Tab attentionTab = new Tab("Attention", attention);
        Tab generationTab = new Tab("Generation", scroll(generation));
        Tab train = new Tab("Train", scroll(new TrainView(vm.train, this::saveAs)));
        Tab deeper = new Tab("Deeper", new DeeperView(vm.deeper, this::saveAs, vm.context()::notifyUser,
                () -> vm.chat.messages().isEmpty() ? null : vm.chat.messages().getLast().text()));
        deeper.setId("tab-deeper");
        deeper.setTooltip(new Tooltip("Logit lens, head knock-out, activation patching and per-head readings"));
        samplingTab.setId("tab-sampling");
        attentionTab.setId("tab-attention");
        generationTab.setId("tab-generation");
        train.setId("tab-train");
        samplingTab.setTooltip(new Tooltip("The selected token's distribution through the sampler, and the controls that shape it"));
        attentionTab.setTooltip(new Tooltip("Attention weights of every layer and head, and masks to run the model under"));
        tabs.getTabs().addAll(samplingTab, attentionTab, generationTab, deeper, train);
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.setId("tabs");
        tabs.setMinWidth(INSPECTOR_MIN);
        // The attention view recomputes only while someone can see it.
        vm.attention.live.bind(tabs.getSelectionModel().selectedItemProperty().isEqualTo(attentionTab)
                .and(inspectorToggle.selectedProperty()));

        split.setId("main-split");
        split.getItems().addAll(side, chat, tabs);
        SplitPane.setResizableWithParent(side, false);
        SplitPane.setResizableWithParent(tabs, true);

        BorderPane root = new BorderPane();
        root.setTop(new VBox(toolbar(settings), new AlertBar(vm.alerts(), vm::dismiss)));
        root.setCenter(split);
        root.setBottom(statusBar());

        // the remembered size, but never larger than the screen (a window from a bigger monitor)
        javafx.geometry.Rectangle2D screen = javafx.stage.Screen.getPrimary().getVisualBounds();
        double w = Math.min(screen.getWidth(), Math.max(800, settings.windowWidth));
        double h = Math.min(screen.getHeight(), Math.max(560, settings.windowHeight));
        scene = new Scene(root, w, h);
        theme(settings.theme);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.ENTER, KeyCombination.SHORTCUT_DOWN), vm.chat::send);
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.ESCAPE), vm.chat::stop);
        root.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY);
            }
            e.consume();
        });
        root.setOnDragDropped(e -> {
            List<File> files = e.getDragboard().getFiles();
            files.stream().filter(f -> f.getName().endsWith(".gguf")).findFirst()
                    .ifPresent(f -> vm.model.open(f.toPath()));
            e.setDropCompleted(true);
            e.consume();
        });
        stage.setTitle("LLM Explorer");
        vm.model.modelProperty().addListener((o, a, m) -> stage.setTitle(m == null ? "LLM Explorer"
                : "LLM Explorer — " + (m.name() == null || m.name().isBlank() ? m.path().getFileName() : m.name())));
        stage.setScene(scene);
        stage.setMinWidth(CHAT_MIN + INSPECTOR_MIN + DIVIDERS); // chat and inspector; the sidebar folds away
        stage.widthProperty().addListener((o, a, b) -> {
            // Too narrow for three panes: the sidebar folds, and opens again when there is room.
            boolean fits = sidebarFits();
            if (!fits && sidebarToggle.isSelected()) {
                foldedForRoom = true;
                sidebarToggle.setSelected(false);
            } else if (fits && foldedForRoom && !sidebarToggle.isSelected()) {
                foldedForRoom = false;
                sidebarToggle.setSelected(true);
            } else if (fits != sidebarFits) {
                panes();
            }
        });
        // Opening the sidebar in a narrow window makes room by folding the inspector.
        sidebarToggle.selectedProperty().addListener((o, a, b) -> {
            if (b && !sidebarFits()) {
                foldedForRoom = false;
                inspectorToggle.setSelected(false);
            }
        });
        stage.setMinHeight(520);
        var icon = MainWindow.class.getResourceAsStream("/org/llmexplorer/ui/icon.png");
        if (icon != null) {
            stage.getIcons().add(new javafx.scene.image.Image(icon));
        }

        sidebarToggle.setSelected(settings.sidebarOpen);
        inspectorToggle.setSelected(settings.inspectorOpen);
        sidebarToggle.selectedProperty().addListener((o, a, b) -> panes());
        inspectorToggle.selectedProperty().addListener((o, a, b) -> panes());
        panes();
        stage.widthProperty().addListener((o, a, b) -> rememberSize());
        stage.heightProperty().addListener((o, a, b) -> rememberSize());
    }

    private static ScrollPane scroll(Node content) {
        ScrollPane s = new ScrollPane(content);
        s.setFitToWidth(true);
        return s;
    }

    /** A token clicked in the chat: the inspector shows it (on the sampling view unless attention is open). */
    private void inspect() {
        String open = tabs.getSelectionModel().getSelectedItem().getId();
        if (!"tab-attention".equals(open) && !"tab-sampling".equals(open)) {
            tabs.getSelectionModel().select(0);
        }
        inspectorToggle.setSelected(true);
    }

    public Scene scene() {
        return scene;
    }

    public TabPane tabs() {
        return tabs;
    }

    SplitPane split() {
        return split;
    }

    AttentionView attentionView() {
        return attention;
    }

    ChatView chatView() {
        return chat;
    }

    SamplingPanel samplingPanel() {
        return sampling;
    }

    /** Room for the chat between the side panes: the message box, its buttons, gaps and dividers. */
    private static final double CHAT_MIN = ChatView.INPUT_MIN_WIDTH + 96 + 8 + 16 + 6;
    private static final double DIVIDERS = 20;
    private boolean sidebarFits = true;
    private boolean foldedForRoom; // the window folded the sidebar for want of room, not the person

    /**
     * Whether the window is wide enough for the sidebar beside the chat and the inspector: a
     * narrow window folds it, and the settings keep the person's choice for when it widens again.
     */
    private boolean sidebarFits() {
        double need = SIDEBAR_MIN + CHAT_MIN + (inspectorToggle.isSelected() ? INSPECTOR_MIN : 0) + DIVIDERS;
        return stage.getWidth() <= 0 || Double.isNaN(stage.getWidth()) || stage.getWidth() >= need;
    }

    /** Puts the open panes in the split and their dividers where the user left them. */
    private void panes() {
        Settings s = vm.context().settings();
        restoring = true;
        s.sidebarOpen = sidebarToggle.isSelected() || foldedForRoom; // the person's choice, not the window's fold
        s.inspectorOpen = inspectorToggle.isSelected();
        split.getItems().setAll(chat);
        sidebarFits = sidebarFits();
        boolean sideShown = sidebarToggle.isSelected() && sidebarFits;
        if (sideShown) {
            split.getItems().addFirst(side);
        }
        if (s.inspectorOpen) {
            split.getItems().add(tabs);
        }
        double[] d = s.dividers == null || s.dividers.length != 2 ? new double[] {0.18, 0.52} : s.dividers;
        if (sideShown && s.inspectorOpen) {
            split.setDividerPositions(d[0], d[1]);
        } else if (sideShown) {
            split.setDividerPositions(d[0]);
        } else if (s.inspectorOpen) {
            split.setDividerPositions(d[1]);
        }
        for (SplitPane.Divider div : split.getDividers()) {
            div.positionProperty().addListener((o, a, b) -> rememberDividers());
        }
        restoring = false;
        vm.context().saveSettings();
    }

    private void rememberDividers() {
        if (restoring) {
            return;
        }
        Settings s = vm.context().settings();
        double[] d = s.dividers == null || s.dividers.length != 2 ? new double[] {0.18, 0.52} : s.dividers.clone();
        var divs = split.getDividers();
        boolean sideShown = sidebarToggle.isSelected() && sidebarFits;
        if (sideShown && s.inspectorOpen && divs.size() == 2) {
            d[0] = divs.get(0).getPosition();
            d[1] = divs.get(1).getPosition();
        } else if (sideShown && divs.size() == 1) {
            d[0] = divs.get(0).getPosition();
        } else if (s.inspectorOpen && divs.size() == 1) {
            d[1] = divs.get(0).getPosition();
        }
        s.dividers = d;
        vm.context().saveSettings();
    }

    private void rememberSize() {
        Settings s = vm.context().settings();
        if (!stage.isMaximized() && !stage.isFullScreen() && stage.getWidth() > 0) {
            s.windowWidth = stage.getWidth();
            s.windowHeight = stage.getHeight();
            vm.context().saveSettings();
        }
    }

    private ToolBar toolbar(Settings settings) {
        sidebarToggle.setId("toggle-sidebar");
        sidebarToggle.setTooltip(new Tooltip("Show or hide the chat history and the model card"));
        inspectorToggle.setId("toggle-inspector");
        inspectorToggle.setTooltip(new Tooltip("Show or hide the inspector (sampling, attention, generation, training)"));
        Button open = new Button("Open model…");
        open.setOnAction(e -> openModelFile());
        MenuButton recent = new MenuButton("Recent");
        recent.setOnShowing(e -> {
            recent.getItems().clear();
            for (String path : vm.model.recent()) {
                MenuItem item = new MenuItem(path);
                item.setMnemonicParsing(false); // an underscore in a file's name is part of it (Q4_K_M), not a key
                item.setOnAction(x -> vm.model.open(Path.of(path)));
                recent.getItems().add(item);
            }
            if (recent.getItems().isEmpty()) {
                recent.getItems().add(new MenuItem("(none yet)"));
            }
        });
        recent.getItems().add(new MenuItem("(none yet)"));
        Button get = new Button("Get models…");
        get.setOnAction(e -> showDownloads());
        Button fresh = new Button("New chat");
        fresh.setId("toolbar-new-chat");
        fresh.setOnAction(e -> vm.history.newChat());
        MenuButton file = new MenuButton("Export");
        file.setId("export-menu");
        MenuItem md = new MenuItem("Chat as Markdown…");
        md.setOnAction(e -> write("chat.md", vm.chat::markdown));
        MenuItem json = new MenuItem("Chat as a chat file (JSON, with token probabilities)…");
        json.setOnAction(e -> {
            Path out = saveAs("chat.json");
            if (out != null) {
                try {
                    vm.history.export(out);
                    notifyUser("wrote " + out);
                } catch (IOException ex) {
                    notifyUser("could not write " + out + ": " + ex.getMessage());
                }
            }
        });
        MenuItem probs = new MenuItem("Token probabilities as CSV…");
        probs.setOnAction(e -> write("probabilities.csv", vm.chat::probabilitiesCsv));
        MenuItem importChat = new MenuItem("Import a chat file…");
        importChat.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("Chat files", "*.json"));
            File f = chooser.showOpenDialog(stage);
            if (f != null) {
                vm.history.importChat(f.toPath()).whenComplete((x, ex) -> {
                    if (ex != null) {
                        notifyUser("could not import " + f.getName() + ": " + ex.getMessage());
                    }
                });
            }
        });
        file.getItems().addAll(md, json, probs, new SeparatorMenuItem(), importChat);
        ToggleButton dark = new ToggleButton("Dark");
        dark.setSelected("dark".equals(settings.theme));
        dark.setOnAction(e -> theme(dark.isSelected() ? "dark" : "light"));
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        ToolBar bar = new ToolBar(sidebarToggle, open, recent, get, fresh, file, gap, inspectorToggle, dark);
        bar.setId("toolbar");
        return bar;
    }

    /** The status line: what just happened (wrapping rather than cut off), the model and where it runs, speed, context. */
    private HBox statusBar() {
        // While a model is opened or moved to another backend, the gauge shows how far that is
        // (indeterminate until the first step) instead of the context's use.
        BooleanBinding preparing = vm.model.loadingProperty().or(vm.model.progressProperty().greaterThan(0)
                .and(vm.model.progressProperty().lessThan(1)));
        Label notice = new Label();
        notice.setId("status-notice");
        notice.textProperty().bind(Bindings.createStringBinding(() -> !vm.noticeProperty().get().isEmpty()
                ? vm.noticeProperty().get() : preparing.get() ? "loading the model…" : "ready", vm.noticeProperty(), preparing));
        notice.setWrapText(true);
        notice.setMinWidth(0);
        notice.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(notice, Priority.ALWAYS);
        ProgressBar gauge = new ProgressBar(0);
        gauge.setId("context-gauge");
        gauge.setPrefWidth(90);
        gauge.setMinWidth(60);
        gauge.progressProperty().bind(Bindings.when(preparing).then(vm.model.progressProperty())
                .otherwise(vm.chat.contextUsedProperty().divide(vm.chat.contextCapacityProperty().add(0.0001).multiply(1.0))));
        Label context = new Label();
        context.setId("context-label");
        context.setMinWidth(Region.USE_PREF_SIZE);
        context.textProperty().bind(Bindings.when(preparing)
                .then(Bindings.createStringBinding(() -> vm.model.progressProperty().get() < 0 ? "loading"
                        : String.format("loading %.0f%%", 100 * vm.model.progressProperty().get()), vm.model.progressProperty()))
                .otherwise(Bindings.format("context %d / %d", vm.chat.contextUsedProperty(), vm.chat.contextCapacityProperty())));
        Label speed = new Label();
        speed.setMinWidth(Region.USE_PREF_SIZE);
        speed.setId("speed-label");
        speed.textProperty().bind(Bindings.when(vm.chat.promptStatusProperty().isEmpty())
                .then(Bindings.format("%.1f tokens/s", vm.chat.tokensPerSecondProperty()))
                .otherwise(vm.chat.promptStatusProperty()));
        // The model and where it runs, on one line: whole up to 220 px (the notice wraps first), then
        // shortened with an ellipsis (a long device name), in full in its tooltip.
        Label model = new Label();
        model.setId("model-status");
        model.textProperty().bind(vm.model.statusProperty());
        model.setTextOverrun(javafx.scene.control.OverrunStyle.CENTER_ELLIPSIS);
        model.minWidthProperty().bind(Bindings.createDoubleBinding(() -> Math.min(220, model.prefWidth(-1)),
                model.textProperty(), model.fontProperty(), model.skinProperty()));
        model.setMaxWidth(320);
        Tooltip modelTip = new Tooltip();
        modelTip.textProperty().bind(model.textProperty());
        model.setTooltip(modelTip);
        HBox bar = new HBox(12, notice, model, speed, context, gauge);
        bar.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        bar.setPadding(new Insets(3, 8, 3, 8));
        bar.setId("status-bar");
        bar.getStyleClass().add("status-bar");
        return bar;
    }

    private void theme(String name) {
        scene.getStylesheets().setAll(
                css("/org/llmexplorer/ui/base.css"), css("/org/llmexplorer/ui/" + name + ".css"));
        vm.context().settings().theme = name;
        vm.context().saveSettings();
    }

    private static String css(String path) {
        var url = MainWindow.class.getResource(path);
        return url == null ? "" : url.toExternalForm();
    }

    private void openModelFile() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Open a GGUF model");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("GGUF models", "*.gguf"));
        File f = chooser.showOpenDialog(stage);
        if (f != null) {
            vm.model.open(f.toPath());
        }
    }

    private void showDownloads() {
        Stage s = new Stage();
        s.initOwner(stage);
        s.setTitle("Get models");
        Scene sc = new Scene(new DownloadsView(vm.downloads, path -> {
            vm.model.open(path);
            s.close();
        }), 900, 560);
        sc.getStylesheets().setAll(scene.getStylesheets());
        s.setScene(sc);
        s.show();
    }

    private interface Text {
        String get() throws IOException;
    }

    private void write(String suggested, Text text) {
        Path out = saveAs(suggested);
        if (out == null) {
            return;
        }
        try {
            Files.writeString(out, text.get());
            notifyUser("wrote " + out);
        } catch (IOException e) {
            notifyUser("could not write " + out + ": " + e.getMessage());
        }
    }

    private Path saveAs(String suggested) {
        FileChooser chooser = new FileChooser();
        chooser.setInitialFileName(suggested);
        File f = chooser.showSaveDialog(stage);
        return f == null ? null : f.toPath();
    }

    private void notifyUser(String message) {
        vm.context().notifyUser(message);
    }
}
