package org.llmexplorer.app.view;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.viewmodel.DeeperViewModel;
import org.llmexplorer.app.viewmodel.DeeperViewModel.View;
import org.llmexplorer.engine.inspect.Grid;
import org.llmexplorer.engine.inspect.GridImage;

/**
 * The Deeper tab: pick a view (logit lens, knock-out, head importance, patching, readings), type
 * the text, run; the grid appears with the selected position's column marked and the clicked
 * cell's details beside it. Each view shows only the controls it uses.
 */
public final class DeeperView extends VBox {
    private final DeeperViewModel vm;
    private final GridCanvas canvas;
    private final ScrollPane scroll;
    private final Function<String, Path> saveAs;
    private final Consumer<String> notice;

    /** @param lastMessage the chat's last message, for "From chat" (null when the chat is empty) */
    DeeperView(DeeperViewModel vm, Function<String, Path> saveAs, Consumer<String> notice,
               java.util.function.Supplier<String> lastMessage) {
        super(6);
        this.vm = vm;
        this.saveAs = saveAs;
        this.notice = notice;
        setPadding(new Insets(8));
        setId("deeper-view");

        ComboBox<View> views = new ComboBox<>();
        views.getItems().setAll(View.values());
        views.valueProperty().bindBidirectional(vm.view);
        views.setId("deeper-kind");
        views.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(View v) {
                return v == null ? "" : v.title;
            }

            @Override
            public View fromString(String s) {
                return View.valueOf(s);
            }
        });
        Button run = new Button("Run");
        run.setId("deeper-run");
        run.setDefaultButton(false);
        run.disableProperty().bind(vm.busyProperty());
        run.setOnAction(e -> vm.run());
        Button cancel = new Button("Cancel");
        cancel.setId("deeper-cancel");
        cancel.disableProperty().bind(vm.busyProperty().not());
        cancel.setOnAction(e -> vm.cancel());
        ProgressBar bar = new ProgressBar();
        bar.progressProperty().bind(vm.progressProperty());
        bar.visibleProperty().bind(vm.busyProperty());
        bar.setPrefWidth(120);
        MenuButton export = new MenuButton("Export");
        export.getItems().addAll(item("PNG…", () -> export("png")), item("CSV…", () -> export("csv")),
                item("JSON…", () -> export("json")));
        bar.managedProperty().bind(vm.busyProperty());
        bar.setMinWidth(30);
        for (javafx.scene.control.Control c : List.of(run, cancel, export)) {
            c.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        }
        views.setMinWidth(110);
        HBox top = new HBox(6, views, run, cancel, bar, export);
        top.setAlignment(Pos.CENTER_LEFT);

        TextField prompt = field(vm.prompt, "deeper-prompt", "the text to look into");
        Button fromChat = new Button("From chat");
        fromChat.setId("deeper-from-chat");
        fromChat.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        fromChat.setTooltip(new Tooltip("Look into the chat's last message"));
        fromChat.setOnAction(e -> {
            String text = lastMessage.get();
            if (text == null || text.isBlank()) {
                notice.accept("the chat has no message yet");
            } else {
                vm.prompt.set(text.strip());
            }
        });
        TextField corrupted = field(vm.corrupted, "deeper-corrupted", "the same text with a word changed");
        HBox promptRow = row("Text", prompt);
        promptRow.getChildren().add(fromChat);
        HBox corruptedRow = row("Corrupted", corrupted);
        show(corruptedRow, vm.view.isEqualTo(View.PATCHING));

        TextField heads = field(vm.heads, "deeper-heads", "L.H, e.g. 0.3, 2.1");
        heads.setPrefColumnCount(8);
        TextField mlps = field(vm.mlps, "deeper-mlps", "layers, e.g. 1, 3");
        mlps.setPrefColumnCount(5);
        CheckBox mean = new CheckBox("mean instead of zero");
        mean.selectedProperty().bindBidirectional(vm.meanAblation);
        mean.setTooltip(new Tooltip("Replace a knocked-out value by its mean over the text (mean ablation)"));
        HBox knock = new HBox(6, new Label("Heads"), heads, new Label("MLPs"), mlps);
        knock.setAlignment(Pos.CENTER_LEFT);
        show(knock, vm.view.isEqualTo(View.KNOCKOUT));
        show(mean, vm.view.isEqualTo(View.KNOCKOUT).or(vm.view.isEqualTo(View.SWEEP)));

        Spinner<Integer> position = new Spinner<>();
        SpinnerValueFactory.IntegerSpinnerValueFactory positions = new SpinnerValueFactory.IntegerSpinnerValueFactory(-1,
                4096, vm.position.get());
        position.setValueFactory(positions);
        position.setEditable(true);
        position.setId("deeper-position");
        position.setPrefWidth(80);
        positions.maxProperty().bind(Bindings.max(0, vm.tokenCountProperty().subtract(1)));
        positions.valueProperty().addListener((o, a, b) -> vm.position.set(b == null ? -1 : b));
        vm.position.addListener((o, a, b) -> positions.setValue(b.intValue()));
        position.setTooltip(new Tooltip("The token position looked at (-1: the last)"));
        ComboBox<DeeperViewModel.Reading> readings = new ComboBox<>();
        readings.getItems().setAll(DeeperViewModel.Reading.values());
        readings.valueProperty().bindBidirectional(vm.reading);
        readings.setId("deeper-reading");
        readings.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(DeeperViewModel.Reading r) {
                return r == null ? "" : r.title;
            }

            @Override
            public DeeperViewModel.Reading fromString(String s) {
                return DeeperViewModel.Reading.valueOf(s);
            }
        });
        show(readings, vm.view.isEqualTo(View.READINGS));
        TextField target = field(vm.target, "deeper-target", "the answer");
        target.setPrefColumnCount(6);
        target.setTooltip(new Tooltip("The token whose probability the sweep watches: its text (one token, e.g. ' earth') "
                + "or its id; empty for the model's own answer"));
        HBox targetBox = new HBox(6, new Label("Token"), target);
        targetBox.setAlignment(Pos.CENTER_LEFT);
        show(targetBox, vm.view.isEqualTo(View.SWEEP));
        HBox options = new HBox(6, new Label("Position"), position, mean, targetBox, readings);
        options.setAlignment(Pos.CENTER_LEFT);

        Label status = new Label();
        status.textProperty().bind(vm.statusProperty());
        status.setWrapText(true);
        status.setId("deeper-status");

        canvas = new GridCanvas(vm::select);
        canvas.setId("deeper-grid");
        scroll = new ScrollPane(canvas);
        scroll.setPannable(true);
        scroll.hvalueProperty().addListener((o, a, b) -> followView());
        scroll.vvalueProperty().addListener((o, a, b) -> followView());
        scroll.viewportBoundsProperty().addListener((o, a, b) -> followView());
        ListView<String> details = new ListView<>(vm.details());
        details.setId("deeper-details");
        details.setMinWidth(140);
        details.setMaxWidth(260);
        details.setStyle("-fx-font-family: monospace;");
        details.setCellFactory(list -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                setWrapText(true);
                setPrefWidth(0); // wrap to the list's width instead of widening it
            }
        });
        Label title = new Label();
        title.setId("deeper-title");
        title.setStyle("-fx-font-weight: bold;");
        title.setWrapText(true);
        title.textProperty().bind(Bindings.createStringBinding(
                () -> vm.gridProperty().get() == null ? "" : vm.gridProperty().get().title(), vm.gridProperty()));
        Label empty = new Label("Pick a view, type a text and press Run. The logit lens shows what the model would "
                + "say after each layer; knock-out switches heads off; patching puts one run's values into another.");
        empty.setWrapText(true);
        empty.setPadding(new Insets(12));
        empty.visibleProperty().bind(vm.gridProperty().isNull());
        javafx.scene.layout.StackPane gridArea = new javafx.scene.layout.StackPane(scroll, empty);
        gridArea.setAlignment(Pos.TOP_LEFT);
        VBox left = new VBox(4, title, gridArea);
        VBox.setVgrow(gridArea, Priority.ALWAYS);
        HBox body = new HBox(6, left, details);
        details.prefWidthProperty().bind(body.widthProperty().multiply(0.3)); // the grid keeps most of a narrow pane
        HBox.setHgrow(left, Priority.ALWAYS);
        VBox.setVgrow(body, Priority.ALWAYS);

        vm.gridProperty().addListener((o, a, b) -> redraw());
        vm.selectedRowProperty().addListener((o, a, b) -> redraw());
        vm.selectedColumnProperty().addListener((o, a, b) -> redraw());

        getChildren().addAll(top, promptRow, corruptedRow, knock, options, status, body);
        vm.view.addListener((o, a, b) -> notice.accept(b.title + ": " + vm.cost()));
    }

    private void redraw() {
        canvas.show(vm.gridProperty().get(), vm.selectedRowProperty().get(), vm.selectedColumnProperty().get());
        followView();
        javafx.application.Platform.runLater(() -> { // after the new size is laid out
            scroll.layout();
            scrollToSelected();
            followView();
        });
    }

    /** Tells the grid which part of it the scroll pane shows: only that part is drawn. */
    private void followView() {
        var view = scroll.getViewportBounds();
        double hiddenX = canvas.getPrefWidth() - view.getWidth();
        double hiddenY = canvas.getPrefHeight() - view.getHeight();
        canvas.view(hiddenX > 0 ? Math.floor(scroll.getHvalue() * hiddenX) : 0,
                hiddenY > 0 ? Math.floor(scroll.getVvalue() * hiddenY) : 0, view.getWidth(), view.getHeight());
    }

    /** Keeps the selected column in view: a long text's last position is where one looks first. */
    private void scrollToSelected() {
        int column = vm.selectedColumnProperty().get();
        double content = canvas.contentWidth();
        double view = scroll.getViewportBounds().getWidth();
        if (column < 0 || content <= view || view <= 0) {
            return;
        }
        double left = canvas.rowLabelWidth() + column * canvas.cellWidth();
        double shownFrom = scroll.getHvalue() * (content - view);
        if (left < shownFrom + canvas.rowLabelWidth() || left + canvas.cellWidth() > shownFrom + view) {
            double from = Math.max(0, left - view / 2);
            scroll.setHvalue(Math.min(1, from / (content - view)));
        }
    }

    private static void show(javafx.scene.Node n, javafx.beans.value.ObservableBooleanValue when) {
        n.visibleProperty().bind(when);
        n.managedProperty().bind(when);
    }

    private static TextField field(javafx.beans.property.StringProperty p, String id, String hint) {
        TextField f = new TextField();
        f.textProperty().bindBidirectional(p);
        f.setId(id);
        f.setPromptText(hint);
        return f;
    }

    private static HBox row(String label, TextField f) {
        Label l = new Label(label);
        l.setMinWidth(70);
        HBox row = new HBox(6, l, f);
        row.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(f, Priority.ALWAYS);
        return row;
    }

    private static MenuItem item(String text, Runnable action) {
        MenuItem i = new MenuItem(text);
        i.setOnAction(e -> action.run());
        return i;
    }

    /** Writes the shown grid (PNG, CSV) or the whole result (JSON) where the user says. */
    private void export(String kind) {
        Grid g = vm.gridProperty().get();
        Map<String, Object> report = vm.report();
        if (g == null || report == null) {
            notice.accept("nothing to export yet: run the view first");
            return;
        }
        Path out = saveAs.apply(vm.view.get().name().toLowerCase(java.util.Locale.ROOT) + "." + kind);
        if (out == null) {
            return;
        }
        try {
            switch (kind) {
                case "png" -> GridImage.write(g, out);
                case "csv" -> Files.writeString(out, g.csv());
                default -> Files.writeString(out, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(report));
            }
            notice.accept("wrote " + out);
        } catch (IOException e) {
            notice.accept("export failed: " + e.getMessage());
        }
    }
}
