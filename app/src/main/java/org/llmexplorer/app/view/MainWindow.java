package org.llmexplorer.app.view;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToolBar;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import org.controlsfx.control.StatusBar;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;

/**
 * The window: model card on the left, the chat in the middle, sampling, token probabilities
 * and attention on the right, status and context gauge at the bottom.
 */
public final class MainWindow {
    private final ExplorerViewModel vm;
    private final Stage stage;
    private final Scene scene;
    private final TabPane tabs = new TabPane();
    private final StatusBar status = new StatusBar();

    public MainWindow(Stage stage, ExplorerViewModel vm) {
        this.stage = stage;
        this.vm = vm;
        BorderPane root = new BorderPane();
        root.setTop(toolbar());
        ModelCard card = new ModelCard(vm.model, this::openModelFile, this::showDownloads);
        ScrollPane left = new ScrollPane(card);
        left.setFitToWidth(true);
        left.setPrefWidth(290);
        root.setLeft(left);
        root.setCenter(new ChatView(vm.chat, ref -> {
            vm.inspector.selected.set(ref);
            tabs.getSelectionModel().select(1);
        }));
        SamplingView samplingView = new SamplingView(vm.sampling);
        samplingView.comparison((a, b, first, second) -> {
            first.setText("…");
            second.setText("…");
            vm.chat.compare(a, b).whenComplete((replies, error) -> javafx.application.Platform.runLater(() -> {
                if (error != null || replies.size() < 2) {
                    first.setText(error == null ? "" : "failed: " + error.getMessage());
                    second.setText("");
                    return;
                }
                first.setText(replies.get(0).text());
                second.setText(replies.get(1).text());
            }));
        });
        Tab sampling = new Tab("Sampling", new ScrollPane(samplingView));
        Tab token = new Tab("Token", new TokenView(vm.inspector));
        Tab attention = new Tab("Attention", new ScrollPane(new AttentionView(vm.attention, vm.model.modelProperty(),
                this::saveAs, vm.context()::notifyUser)));
        Tab train = new Tab("Train", new ScrollPane(new TrainView(vm.train, this::saveAs)));
        train.setId("tab-train");
        sampling.setId("tab-sampling");
        token.setId("tab-token");
        attention.setId("tab-attention");
        tabs.getTabs().addAll(sampling, token, attention, train);
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.setPrefWidth(520);
        tabs.setId("tabs");
        root.setRight(tabs);
        root.setBottom(statusBar());

        scene = new Scene(root, 1360, 820);
        theme(vm.context().settings().theme);
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
        stage.setScene(scene);
        var icon = MainWindow.class.getResourceAsStream("/org/llmexplorer/ui/icon.png");
        if (icon != null) {
            stage.getIcons().add(new javafx.scene.image.Image(icon));
        }
    }

    public Scene scene() {
        return scene;
    }

    public TabPane tabs() {
        return tabs;
    }

    private ToolBar toolbar() {
        Button open = new Button("Open model…");
        open.setOnAction(e -> openModelFile());
        MenuButton recent = new MenuButton("Recent");
        recent.setOnShowing(e -> {
            recent.getItems().clear();
            for (String path : vm.model.recent()) {
                MenuItem item = new MenuItem(path);
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
        Button save = new Button("Save chat");
        save.setId("save-chat");
        save.setOnAction(e -> saveChat());
        MenuButton openChat = new MenuButton("Open chat");
        openChat.setId("open-chat");
        openChat.setOnShowing(e -> {
            openChat.getItems().clear();
            try {
                for (Path p : vm.chat.savedChats()) {
                    MenuItem item = new MenuItem(p.getFileName().toString());
                    item.setOnAction(x -> {
                        try {
                            vm.chat.open(p);
                        } catch (IOException ex) {
                            notifyUser("could not open " + p.getFileName() + ": " + ex.getMessage());
                        }
                    });
                    openChat.getItems().add(item);
                }
            } catch (IOException ex) {
                notifyUser(ex.getMessage());
            }
            if (openChat.getItems().isEmpty()) {
                openChat.getItems().add(new MenuItem("(no saved chats)"));
            }
        });
        openChat.getItems().add(new MenuItem("(no saved chats)"));
        MenuButton export = new MenuButton("Export");
        MenuItem md = new MenuItem("Chat as Markdown…");
        md.setOnAction(e -> write("chat.md", vm.chat::markdown));
        MenuItem json = new MenuItem("Chat as JSON (with token probabilities)…");
        json.setOnAction(e -> write("chat.json", vm.chat::json));
        MenuItem probs = new MenuItem("Token probabilities as CSV…");
        probs.setOnAction(e -> write("probabilities.csv", vm.chat::probabilitiesCsv));
        export.getItems().addAll(md, json, probs);
        ToggleButton dark = new ToggleButton("Dark");
        dark.setSelected("dark".equals(vm.context().settings().theme));
        dark.setOnAction(e -> theme(dark.isSelected() ? "dark" : "light"));
        return new ToolBar(open, recent, get, save, openChat, export, dark);
    }

    private StatusBar statusBar() {
        status.textProperty().bind(vm.noticeProperty().map(n -> n.isEmpty() ? "ready" : n));
        ProgressBar gauge = new ProgressBar(0);
        gauge.setId("context-gauge");
        gauge.setPrefWidth(140);
        gauge.progressProperty().bind(vm.chat.contextUsedProperty().divide(
                vm.chat.contextCapacityProperty().add(0.0001).multiply(1.0)));
        Label context = new Label();
        context.textProperty().bind(javafx.beans.binding.Bindings.format("context %d / %d",
                vm.chat.contextUsedProperty(), vm.chat.contextCapacityProperty()));
        Label speed = new Label();
        speed.textProperty().bind(javafx.beans.binding.Bindings.format("%.1f tokens/s", vm.chat.tokensPerSecondProperty()));
        Label model = new Label();
        model.textProperty().bind(vm.model.statusProperty());
        HBox right = new HBox(10, model, speed, context, gauge);
        right.setPadding(new Insets(0, 6, 0, 6));
        status.getRightItems().add(right);
        return status;
    }

    private void theme(String name) {
        scene.getStylesheets().setAll(
                css("/org/llmexplorer/ui/base.css"), css("/org/llmexplorer/ui/" + name + ".css"));
        vm.context().settings().theme = name;
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

    private void saveChat() {
        TextInputDialog d = new TextInputDialog("chat " + java.time.LocalDate.now());
        d.setHeaderText("Save the conversation as");
        d.showAndWait().ifPresent(title -> {
            try {
                notifyUser("saved " + vm.chat.save(title));
            } catch (IOException e) {
                notifyUser("could not save the chat: " + e.getMessage());
            }
        });
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
