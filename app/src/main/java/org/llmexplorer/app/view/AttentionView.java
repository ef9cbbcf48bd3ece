package org.llmexplorer.app.view;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Function;
import javafx.beans.value.ObservableValue;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.viewmodel.AttentionViewModel;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.HeatmapImage;
import org.llmexplorer.engine.session.AttentionSnapshot;
import org.llmexplorer.engine.session.ModelSummary;

/**
 * Attention over the conversation, with the mask controls beside it: a layer and head; the mask
 * as a picker and a control per parameter (its connectivity drawn at once in the thumbnail, the
 * weights recomputed off the UI thread); the weights as a labelled, zoomable matrix, as one
 * query's weights over the text, or as every head of the layer; a second mask to compare;
 * export as PNG, CSV or JSON.
 */
final class AttentionView extends VBox {
    private final AttentionViewModel vm;
    private final HeatmapView heat = new HeatmapView(true);
    private final HeatmapView other = new HeatmapView(true);
    private final HeatmapView thumbnail = new HeatmapView(false);
    private final AttentionTextView text = new AttentionTextView();
    private final HeadGrid grid = new HeadGrid();
    private final Spinner<Integer> layer = new Spinner<>(0, 0, 0);
    private final Spinner<Integer> head = new Spinner<>(0, 0, 0);
    private final ToggleGroup mode = new ToggleGroup();
    private final Function<String, Path> saveAs;
    private final Consumer<String> notice;
    /** Below this height the mask's section starts folded, so that the heatmap keeps room (an 800 x 600 window). */
    static final double FOLD_MASK_BELOW = 560;
    /** Whether the person opened or closed the mask's section: from then on it stays as they left it. */
    private boolean maskPaneTouched;
    private boolean folding;

    /**
     * @param saveAs asks where to save a file (a suggested name in, null when cancelled)
     * @param notice tells the user what happened
     */
    AttentionView(AttentionViewModel vm, ObservableValue<ModelSummary> model, Function<String, Path> saveAs,
                  Consumer<String> notice) {
        this.vm = vm;
        this.saveAs = saveAs;
        this.notice = notice;
        setSpacing(6);
        setPadding(new Insets(8));
        setMinWidth(0);
        // As high as the tab, never held taller by its content: the mask's section folds by this height, and
        // with the section open (the long description of a sliding window, say) the content's own minimum
        // topped 560 px at 800 x 600, so the view stayed taller than the tab, never folded, and the heatmap
        // was cut off below the window.
        setMinHeight(0);

        layer.setId("layer");
        head.setId("head");
        layer.setPrefWidth(70);
        head.setPrefWidth(70);
        vm.layer.addListener((o, a, b) -> {
            if (layer.getValueFactory() != null && !b.equals(layer.getValue())) {
                layer.getValueFactory().setValue(b.intValue());
            }
        });
        vm.head.addListener((o, a, b) -> {
            if (head.getValueFactory() != null && !b.equals(head.getValue())) {
                head.getValueFactory().setValue(b.intValue());
            }
            redraw();
        });
        layer.valueProperty().addListener((o, a, b) -> vm.layer.set(b));
        head.valueProperty().addListener((o, a, b) -> vm.head.set(b));
        model.addListener((o, a, m) -> {
            if (m == null) {
                return;
            }
            layer.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(0, m.layers() - 1,
                    Math.min(vm.layer.get(), m.layers() - 1)));
            head.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(0, m.heads() - 1,
                    Math.min(vm.head.get(), m.heads() - 1)));
        });

        ToggleButton matrix = toggle("Matrix", "view-matrix", "the query-by-key matrix of the head");
        ToggleButton row = toggle("Text", "view-text", "one query's attention drawn over the text");
        ToggleButton heads = toggle("All heads", "view-heads", "every head of the layer; click one to open it");
        matrix.setSelected(true);
        mode.selectedToggleProperty().addListener((o, a, b) -> {
            if (b == null) {
                a.setSelected(true); // one view is always chosen
            }
            redraw();
        });
        Button fit = new Button("Fit");
        fit.setMinWidth(Region.USE_PREF_SIZE);
        fit.setTooltip(new Tooltip("Fit the matrix to the view (or double-click it); the mouse wheel zooms, dragging pans"));
        fit.setOnAction(e -> {
            heat.fit();
            other.fit();
        });
        MenuButton export = new MenuButton("Export");
        export.getItems().addAll(item("PNG…", () -> export("png")), item("CSV…", () -> export("csv")),
                item("JSON…", () -> export("json")));
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox top = new HBox(6, label("layer"), layer, label("head"), head, gap, export);
        top.setAlignment(Pos.CENTER_LEFT);

        MaskControls controls = new MaskControls(vm);
        HBox.setHgrow(controls, Priority.ALWAYS);
        thumbnail.setId("connectivity");
        thumbnail.setPrefSize(80, 80);
        thumbnail.setMinSize(80, 80);
        thumbnail.setMaxSize(80, 80);
        Tooltip.install(thumbnail, new Tooltip("The mask's connectivity for this head: which keys (columns) each query "
                + "(rows) may see; grey is forbidden"));
        Label thumbLabel = new Label("connectivity");
        thumbLabel.getStyleClass().add("hint");
        VBox thumb = new VBox(2, thumbnail, thumbLabel);
        thumb.setAlignment(Pos.TOP_CENTER);
        thumb.setMinWidth(Region.USE_PREF_SIZE);
        HBox maskRow = new HBox(8, controls, thumb);

        CheckBox compare = new CheckBox("compare with");
        compare.setId("compare-mask");
        compare.setMinWidth(Region.USE_PREF_SIZE);
        compare.selectedProperty().bindBidirectional(vm.compare);
        TextField second = new TextField();
        second.setId("compare-spec");
        second.setText(vm.compareMask.get());
        second.setOnAction(e -> vm.compareMask.set(second.getText().strip()));
        second.disableProperty().bind(vm.compare.not());
        HBox.setHgrow(second, Priority.ALWAYS);
        HBox compareRow = new HBox(6, compare, second);
        compareRow.setAlignment(Pos.CENTER_LEFT);

        heat.setId("heatmap");
        other.setId("heatmap-compare");
        heat.onCell(vm::selectCell);
        heat.onToken(vm::selectToken);
        other.onCell(vm::selectCell);
        text.onToken(vm::selectToken);
        grid.onHead(h -> {
            vm.head.set(h);
            matrix.setSelected(true);
        });
        VBox.setVgrow(heat, Priority.ALWAYS);
        Label otherLabel = new Label();
        otherLabel.getStyleClass().add("hint");
        otherLabel.textProperty().bind(vm.compareMask.map(m -> "compared: " + m));
        VBox otherBox = new VBox(2, otherLabel, other);
        VBox.setVgrow(other, Priority.ALWAYS);
        otherBox.visibleProperty().bind(vm.compare);
        otherBox.managedProperty().bind(vm.compare);
        HBox.setHgrow(heat, Priority.ALWAYS);
        HBox.setHgrow(otherBox, Priority.ALWAYS);
        HBox matrices = new HBox(6, heat, otherBox);
        StackPane views = new StackPane(matrices, text, grid);
        views.setMinHeight(140);
        VBox.setVgrow(views, Priority.ALWAYS);
        matrices.visibleProperty().bind(matrix.selectedProperty());
        text.visibleProperty().bind(row.selectedProperty());
        grid.visibleProperty().bind(heads.selectedProperty());

        Label hover = new Label();
        hover.setId("heatmap-hover");
        hover.getStyleClass().add("hint");
        hover.textProperty().bind(heat.cellUnderMouseProperty().map(h -> h.isEmpty()
                ? "hover a cell: query, key, weight; click one to find its tokens in the chat" : h));
        Label status = new Label();
        status.setMinWidth(0);
        status.setWrapText(true);
        status.setMinHeight(Region.USE_PREF_SIZE);
        status.getStyleClass().add("hint");
        status.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> {
            AttentionSnapshot s = vm.snapshotProperty().get();
            String base = s == null ? "" : s.tokens().length + " tokens" + (s.first() > 0 ? " (the last " + s.tokens().length
                    + " of " + (s.first() + s.tokens().length) + ")" : "") + " · layer " + s.layer() + " · " + s.plan();
            return vm.busyProperty().get() ? base + " · computing…" : base;
        }, vm.snapshotProperty(), vm.busyProperty()));
        hover.setMaxWidth(Double.MAX_VALUE);
        hover.setMinWidth(0);
        hover.setWrapText(true);
        hover.setMinHeight(Region.USE_PREF_SIZE);
        Region gap2 = new Region();
        HBox.setHgrow(gap2, Priority.ALWAYS);
        HBox.setHgrow(status, Priority.SOMETIMES);
        HBox viewRow = new HBox(6, matrix, row, heads, fit, gap2, status);
        viewRow.setAlignment(Pos.CENTER_LEFT);

        // The mask's controls fold away on small screens, leaving the heatmap more room (folded from the start on a
        // short one, until the person opens or closes the section); the title keeps saying which mask.
        TitledPane maskPane = new TitledPane();
        maskPane.setId("mask-pane");
        maskPane.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> "Mask: "
                + (vm.mask.get() == null || vm.mask.get().isBlank() ? "the model's own (" + vm.ownMaskProperty().get() + ")"
                : vm.mask.get()), vm.mask, vm.ownMaskProperty()));
        VBox maskBox = new VBox(6, maskRow, compareRow);
        maskBox.setPadding(new Insets(4));
        maskPane.setContent(maskBox);
        maskPane.setAnimated(false);
        maskPane.expandedProperty().addListener((o, was, now) -> maskPaneTouched |= !folding);
        heightProperty().addListener((o, was, now) -> {
            if (!maskPaneTouched && now.doubleValue() > 0) {
                folding = true;
                maskPane.setExpanded(now.doubleValue() >= FOLD_MASK_BELOW);
                folding = false;
            }
        });
        getChildren().addAll(top, maskPane, viewRow, views, hover);
        vm.snapshotProperty().addListener((o, a, b) -> redraw());
        vm.comparedProperty().addListener((o, a, b) -> redraw());
        vm.connectivityProperty().addListener((o, a, b) -> redraw());
        vm.staleProperty().addListener((o, a, b) -> heat.stale(b));
        vm.selectedTokenProperty().addListener((o, a, b) -> select());
        vm.cellQueryProperty().addListener((o, a, b) -> select());
        vm.cellKeyProperty().addListener((o, a, b) -> select());
        widthProperty().addListener((o, a, b) -> {
            if (heads.isSelected()) {
                redraw();
            }
        });
    }

    private ToggleButton toggle(String text, String id, String tip) {
        ToggleButton b = new ToggleButton(text);
        b.setId(id);
        b.setToggleGroup(mode);
        b.setTooltip(new Tooltip(tip));
        b.setMinWidth(Region.USE_PREF_SIZE);
        return b;
    }

    private static Label label(String text) {
        Label l = new Label(text);
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    private static MenuItem item(String text, Runnable action) {
        MenuItem m = new MenuItem(text);
        m.setOnAction(e -> action.run());
        return m;
    }

    private void select() {
        heat.select(vm.selectedTokenProperty().get(), vm.cellQueryProperty().get(), vm.cellKeyProperty().get());
        other.select(vm.selectedTokenProperty().get(), vm.cellQueryProperty().get(), vm.cellKeyProperty().get());
        if (text.isVisible()) {
            redraw();
        }
    }

    /**
     * Draws what the view model holds: the head's weights under the connectivity of the mask now
     * chosen (which may be newer than the weights: they are being recomputed), the comparison, the
     * text view and the grid of heads.
     */
    private void redraw() {
        AttentionSnapshot s = vm.snapshotProperty().get();
        boolean[][] now = vm.connectivityProperty().get();
        if (s == null) {
            heat.show(null, now, null);
            thumbnail.show(null, now, null);
            text.show(null, null, null, -1);
            grid.show(null, null, -1);
            return;
        }
        int h = Math.min(vm.head.get(), s.weights().length - 1);
        boolean[][] allowed = now != null && now.length == s.tokens().length ? now : s.allowed()[h];
        heat.show(s.weights()[h], allowed, s.tokens());
        heat.stale(vm.staleProperty().get());
        thumbnail.show(null, allowed, s.tokens());
        AttentionSnapshot c = vm.comparedProperty().get();
        if (c != null && vm.compare.get()) {
            other.show(c.weights()[h], c.allowed()[h], c.tokens());
        }
        heat.select(vm.selectedTokenProperty().get(), vm.cellQueryProperty().get(), vm.cellKeyProperty().get());
        if (text.isVisible()) {
            int q = vm.selectedTokenProperty().get() >= 0 ? vm.selectedTokenProperty().get() : vm.cellQueryProperty().get();
            text.show(s.weights()[h], allowed, s.tokens(), q);
        }
        if (grid.isVisible()) {
            grid.show(s.weights(), s.allowed(), h);
        }
    }

    HeatmapView heatmap() {
        return heat;
    }

    HeatmapView connectivity() {
        return thumbnail;
    }

    /** Writes the shown head's weights where the user says. */
    private void export(String kind) {
        AttentionSnapshot s = vm.snapshotProperty().get();
        if (s == null) {
            notice.accept("nothing to export yet: the conversation has no attention weights");
            return;
        }
        int h = Math.min(vm.head.get(), s.weights().length - 1);
        Path out = saveAs.apply("attention-L" + s.layer() + "-H" + h + "." + kind);
        if (out == null) {
            return;
        }
        try {
            switch (kind) {
                case "png" -> HeatmapImage.write(s.weights()[h], s.allowed()[h], out);
                case "csv" -> {
                    int n = s.tokens().length;
                    AttentionMatrix m = new AttentionMatrix(s.layer() + 1, h + 1, n, (l, hh) -> true);
                    int[] keys = new int[n];
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            keys[j] = j;
                        }
                        m.record(s.layer(), h, i, keys, s.weights()[h][i], n);
                    }
                    StringWriter w = new StringWriter();
                    m.writeCsv(s.layer(), h, s.tokens(), w);
                    Files.writeString(out, w.toString());
                }
                default -> Files.writeString(out, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(
                        java.util.Map.of("layer", s.layer(), "head", h, "plan", s.plan(), "tokens", s.tokens(),
                                "weights", s.weights()[h])));
            }
            notice.accept("wrote " + out);
        } catch (IOException e) {
            notice.accept("export failed: " + e.getMessage());
        }
    }
}
