package org.llmexplorer.app.view;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.viewmodel.AttentionViewModel;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.HeatmapImage;
import org.llmexplorer.engine.session.AttentionSnapshot;
import org.llmexplorer.engine.session.ModelSummary;

/**
 * Attention over the conversation: one head large, beside the mask's connectivity; every head of
 * the layer small (click to choose); a second mask to compare; applying a mask to generation.
 */
final class AttentionView extends VBox {
    static final String[] MASKS = {"", "causal", "sliding:w=8", "sliding:w=4,causal=false", "dilated:w=4,d=2",
        "strided:l=4,head=split", "fixed:l=4,c=1", "prefix:p=6", "longformer:w=8,global=0",
        "bigbird:w=8,global=0,r=2,seed=1", "random:r=4,seed=1,causal=true", "global", "L0-1@sliding:w=4"};

    private final AttentionViewModel vm;
    private final HeatmapCanvas heat = new HeatmapCanvas(230);
    private final HeatmapCanvas mask = new HeatmapCanvas(110);
    private final HeatmapCanvas other = new HeatmapCanvas(230);
    private final FlowPane heads = new FlowPane(4, 4);
    private final Spinner<Integer> layer = new Spinner<>(0, 0, 0);
    private final Spinner<Integer> head = new Spinner<>(0, 0, 0);

    private final java.util.function.Function<String, Path> saveAs;
    private final java.util.function.Consumer<String> notice;

    /**
     * @param saveAs asks where to save a file (a suggested name in, null when cancelled)
     * @param notice tells the user what happened
     */
    AttentionView(AttentionViewModel vm, javafx.beans.value.ObservableValue<ModelSummary> model,
                  java.util.function.Function<String, Path> saveAs, java.util.function.Consumer<String> notice) {
        this.saveAs = saveAs;
        this.notice = notice;
        this.vm = vm;
        setSpacing(8);
        setPadding(new Insets(10));
        Label title = new Label("Attention");
        title.getStyleClass().add("panel-title");
        layer.setId("layer");
        head.setId("head");
        layer.setPrefWidth(80);
        head.setPrefWidth(80);
        vm.layer.addListener((o, a, b) -> {
            if (layer.getValueFactory() != null && !b.equals(layer.getValue())) {
                layer.getValueFactory().setValue(b.intValue());
            }
        });
        vm.head.addListener((o, a, b) -> {
            if (head.getValueFactory() != null && !b.equals(head.getValue())) {
                head.getValueFactory().setValue(b.intValue());
            }
        });
        layer.valueProperty().addListener((o, a, b) -> vm.layer.set(b));
        head.valueProperty().addListener((o, a, b) -> {
            vm.head.set(b);
            redraw();
        });
        model.addListener((o, a, m) -> {
            layer.setValueFactory(new javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory(0,
                    m.layers() - 1, Math.min(vm.layer.get(), m.layers() - 1)));
            head.setValueFactory(new javafx.scene.control.SpinnerValueFactory.IntegerSpinnerValueFactory(0,
                    m.heads() - 1, Math.min(vm.head.get(), m.heads() - 1)));
        });
        ComboBox<String> pick = new ComboBox<>();
        pick.setId("mask");
        pick.setEditable(true);
        pick.getItems().addAll(MASKS);
        pick.setPromptText("the model's own mask");
        pick.setPrefWidth(230);
        pick.valueProperty().bindBidirectional(vm.mask);
        pick.setTooltip(new Tooltip("A mask (e.g. sliding:w=8) or a plan per layer (L0-3@sliding:w=8;L4-@causal)"));
        CheckBox compare = new CheckBox("compare with");
        compare.selectedProperty().bindBidirectional(vm.compare);
        ComboBox<String> second = new ComboBox<>();
        second.setEditable(true);
        second.getItems().addAll(MASKS);
        second.valueProperty().bindBidirectional(vm.compareMask);
        second.disableProperty().bind(vm.compare.not());
        Button show = new Button("Show");
        show.setId("show-attention");
        show.disableProperty().bind(vm.busyProperty());
        show.setOnAction(e -> vm.refresh());
        Button apply = new Button("Use for generation");
        apply.setId("apply-mask");
        apply.setOnAction(e -> vm.apply());
        Label applied = new Label();
        applied.getStyleClass().add("hint");
        applied.textProperty().bind(vm.appliedProperty().map(s -> "generation runs under: " + s));
        Label error = new Label();
        error.getStyleClass().add("error-text");
        error.textProperty().bind(vm.errorProperty());
        Button png = new Button("PNG");
        png.setOnAction(e -> export("png"));
        Button csv = new Button("CSV");
        csv.setOnAction(e -> export("csv"));
        Button json = new Button("JSON");
        json.setOnAction(e -> export("json"));

        heat.setId("heatmap");
        mask.setId("connectivity");
        other.setId("heatmap-compare");
        Label maskLabel = new Label("mask connectivity of this head (grey: forbidden)");
        maskLabel.getStyleClass().add("hint");
        Label aLabel = new Label();
        aLabel.getStyleClass().add("hint");
        aLabel.textProperty().bind(vm.mask.map(m -> m == null || m.isBlank() ? "the model's own mask" : m));
        Label bLabel = new Label();
        bLabel.getStyleClass().add("hint");
        bLabel.textProperty().bind(vm.compareMask);
        VBox compared = new VBox(2, bLabel, other);
        compared.visibleProperty().bind(vm.compare);
        compared.managedProperty().bind(vm.compare);
        ScrollPane grid = new ScrollPane(heads);
        grid.setFitToWidth(true);
        grid.setPrefViewportHeight(160);
        getChildren().addAll(title,
                new HBox(6, new Label("layer"), layer, new Label("head"), head, show),
                new HBox(6, pick, apply), new HBox(6, compare, second), applied, error,
                new HBox(8, new VBox(2, aLabel, heat), compared), new HBox(8, mask, maskLabel),
                new Label("all heads of the layer (click to choose)"), grid,
                new HBox(6, new Label("export"), png, csv, json));
        vm.snapshotProperty().addListener((o, a, b) -> redraw());
        vm.comparedProperty().addListener((o, a, b) -> redraw());
    }

    private void redraw() {
        AttentionSnapshot s = vm.snapshotProperty().get();
        if (s == null) {
            return;
        }
        int h = Math.min(vm.head.get(), s.weights().length - 1);
        heat.show(s.weights()[h], s.allowed()[h], s.tokens());
        mask.show(null, s.allowed()[h], s.tokens());
        AttentionSnapshot c = vm.comparedProperty().get();
        if (c != null) {
            other.show(c.weights()[h], c.allowed()[h], c.tokens());
        }
        heads.getChildren().clear();
        for (int k = 0; k < s.weights().length; k++) {
            HeatmapCanvas small = new HeatmapCanvas(90);
            small.setId("head-" + k);
            small.show(s.weights()[k], s.allowed()[k], s.tokens());
            int chosen = k;
            small.setOnMouseClicked(e -> head.getValueFactory().setValue(chosen));
            heads.getChildren().add(small);
        }
    }

    /** Writes the shown head's weights where the user says. */
    private void export(String kind) {
        AttentionSnapshot s = vm.snapshotProperty().get();
        if (s == null) {
            notice.accept("nothing to export: press Show first");
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
