package org.llmexplorer.app.view;

import java.util.stream.Collectors;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextArea;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.viewmodel.ModelViewModel;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.session.ModelSummary;

/** The model card: what is loaded, loading progress, the module tree. */
final class ModelCard extends VBox {
    private final GridPane facts = new GridPane();
    private final TextArea tree = new TextArea();

    ModelCard(ModelViewModel vm, Runnable openFile, Runnable getModels) {
        setSpacing(8);
        setPadding(new Insets(10));
        setPrefWidth(270);
        Label title = new Label("Model");
        title.getStyleClass().add("panel-title");
        Button open = new Button("Open…");
        open.setOnAction(e -> openFile.run());
        open.setId("open-model");
        Button get = new Button("Get models…");
        get.setOnAction(e -> getModels.run());
        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.loadingProperty());
        progress.managedProperty().bind(progress.visibleProperty()); // no gap while nothing loads
        progress.setMaxWidth(Double.MAX_VALUE);
        Button cancel = new Button("Cancel");
        cancel.visibleProperty().bind(vm.loadingProperty());
        cancel.managedProperty().bind(cancel.visibleProperty());
        cancel.setOnAction(e -> vm.cancel());
        Label status = new Label();
        status.textProperty().bind(vm.statusProperty());
        status.getStyleClass().add("hint");
        status.setWrapText(true);
        facts.setHgap(8);
        facts.setVgap(3);
        tree.setEditable(false);
        tree.getStyleClass().add("mono");
        tree.setPrefRowCount(18);
        TitledPane treePane = new TitledPane("Module tree", tree);
        treePane.setExpanded(false);
        ComboBox<Backends.Choice> backend = new ComboBox<>(vm.backends());
        backend.setId("backend");
        backend.setMaxWidth(Double.MAX_VALUE);
        backend.setValue(vm.backend.get());
        vm.backend.addListener((o, a, b) -> backend.setValue(b));
        backend.setOnAction(e -> {
            Backends.Choice c = backend.getValue();
            if (ModelViewModel.REMOTE.equals(c)) {
                RemoteDialog.ask(vm.lastRemoteAddress(), vm::remoteModels).ifPresentOrElse(
                        r -> vm.connect(r.address(), r.apiKey(), r.model()).whenComplete((m, x) -> {
                            if (x != null) {
                                javafx.application.Platform.runLater(() -> backend.setValue(vm.backend.get()));
                            }
                        }),
                        () -> backend.setValue(vm.backend.get()));
            } else if (c != null && !c.equals(vm.backend.get())) {
                vm.useBackend(c);
            }
        });
        javafx.scene.control.CheckBox serve = new javafx.scene.control.CheckBox("Serve on 127.0.0.1:" + vm.servePort);
        serve.setId("serve");
        serve.setTooltip(new javafx.scene.control.Tooltip(
                "Other programs can use this model through the OpenAI-compatible API, as with llmx serve"));
        serve.disableProperty().bind(vm.modelProperty().isNull());
        serve.setOnAction(e -> vm.serve(serve.isSelected()));
        vm.servingProperty().addListener((o, a, url) -> serve.setSelected(!url.isEmpty()));
        Label served = new Label();
        served.textProperty().bind(vm.servingProperty());
        served.getStyleClass().add("hint");
        served.visibleProperty().bind(vm.servingProperty().isNotEmpty());
        served.managedProperty().bind(served.visibleProperty());
        Label runsOn = new Label("Runs on");
        runsOn.getStyleClass().add("hint");
        int cores = Runtime.getRuntime().availableProcessors();
        javafx.scene.control.Spinner<Integer> threads = new javafx.scene.control.Spinner<>(1,
                Math.max(cores, vm.cpuThreadsProperty().get()), vm.cpuThreadsProperty().get());
        threads.setId("cpu-threads");
        threads.setPrefWidth(80);
        threads.setTooltip(new javafx.scene.control.Tooltip("Threads of the CPU backend (this machine has " + cores
                + " cores). Changing it prepares the open model again. One fewer than the cores can be faster "
                + "while the window draws a streaming reply."));
        threads.disableProperty().bind(vm.loadingProperty());
        threads.valueProperty().addListener((o, a, n) -> {
            if (n != null && n != vm.cpuThreadsProperty().get()) {
                vm.useThreads(n);
            }
        });
        vm.cpuThreadsProperty().addListener((o, a, n) -> threads.getValueFactory().setValue(n.intValue()));
        Label threadsLabel = new Label("Threads");
        threadsLabel.getStyleClass().add("hint");
        threadsLabel.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        HBox threadRow = new HBox(6, threadsLabel, threads);
        threadRow.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        getChildren().addAll(title, new HBox(6, open, get), runsOn, backend, threadRow, progress, cancel, status, serve,
                served, facts, treePane);
        vm.discoverBackends();
        vm.modelProperty().addListener((o, a, m) -> show(m));
    }

    private void show(ModelSummary m) {
        facts.getChildren().clear();
        int row = 0;
        row = fact(row, "name", m.name());
        if (m.path() == null) { // on a server: only what its /v1/models says
            if (m.contextLength() > 0) {
                row = fact(row, "context", String.format("%,d tokens", m.contextLength()));
            }
            row = fact(row, "chat", "the server's template");
            fact(row, "runs on", m.backend());
            tree.setText("(the layers of a model on a server are not known here)");
            return;
        }
        row = fact(row, "architecture", m.architecture());
        row = fact(row, "parameters", String.format("%,d", m.parameters()));
        row = fact(row, "weights", m.tensorTypes().entrySet().stream().map(e -> e.getKey() + " ×" + e.getValue())
                .collect(Collectors.joining(", ")));
        row = fact(row, "context", String.format("%,d tokens", m.contextLength()));
        row = fact(row, "layers", m.layers() + " (heads " + m.heads() + ", KV heads " + m.kvHeads() + ")");
        row = fact(row, "width", m.dim() + ", vocabulary " + m.vocabSize());
        row = fact(row, "file", mb(m.fileBytes()) + " (mapped, not copied)");
        row = fact(row, "KV cache", mb(m.kvCacheBytes()));
        row = fact(row, "trained mask", m.trainedMask());
        row = fact(row, "chat", m.chatTemplate() ? "chat template" : "plain completion (no template)");
        fact(row, "backend", m.backend());
        tree.setText(m.moduleTree());
    }

    private int fact(int row, String name, String value) {
        Label k = new Label(name);
        k.getStyleClass().add("hint");
        k.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE); // short words: the values wrap instead
        Label v = new Label(value);
        v.setWrapText(true);
        v.setMaxWidth(170);
        facts.addRow(row, k, v);
        return row + 1;
    }

    private static String mb(long bytes) {
        return String.format("%.1f MB", bytes / 1048576.0);
    }
}
