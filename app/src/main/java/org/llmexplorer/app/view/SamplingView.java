package org.llmexplorer.app.view;

import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.control.TextFormatter;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.util.converter.NumberStringConverter;
import org.controlsfx.control.ToggleSwitch;
import org.llmexplorer.app.viewmodel.SamplingViewModel;

/** Sliders and fields for every sampling parameter, with a sentence of explanation each. */
final class SamplingView extends VBox {

    SamplingView(SamplingViewModel vm) {
        setSpacing(10);
        setPadding(new Insets(10));
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(6);
        int row = 0;
        row = slider(grid, row, "temperature", "Temperature", vm.temperature, 0, 2,
                "Divides the logits: below 1 sharpens the distribution, above 1 flattens it; 0 always takes the top token.");
        row = intSlider(grid, row, "top-k", "Top-k", vm.topK, 0, 200,
                "Keeps only the k most likely tokens (0 keeps all).");
        row = slider(grid, row, "top-p", "Top-p", vm.topP, 0.01, 1,
                "Keeps the smallest set of most likely tokens whose probabilities add up to p.");
        row = slider(grid, row, "min-p", "Min-p", vm.minP, 0, 1,
                "Drops tokens less likely than min-p times the most likely one.");
        row = slider(grid, row, "repeat-penalty", "Repetition penalty", vm.repeatPenalty, 1, 2,
                "Makes tokens seen in the last 64 less likely (1 turns it off).");
        row = intSlider(grid, row, "max-tokens", "Max tokens", vm.maxTokens, 1, 1024,
                "The longest reply, in tokens.");
        Label seedLabel = new Label("Seed");
        TextField seed = new TextField();
        seed.setId("seed");
        seed.setTextFormatter(new TextFormatter<>(new javafx.util.converter.LongStringConverter(), vm.seed.get()));
        @SuppressWarnings("unchecked")
        TextFormatter<Long> f = (TextFormatter<Long>) seed.getTextFormatter();
        f.valueProperty().addListener((o, a, b) -> {
            if (b != null) {
                vm.seed.set(b);
            }
        });
        vm.seed.addListener((o, a, b) -> f.setValue(b.longValue()));
        ToggleSwitch lock = new ToggleSwitch("lock");
        lock.setId("seed-lock");
        lock.selectedProperty().bindBidirectional(vm.seedLocked);
        lock.setTooltip(new Tooltip("Locked: every reply uses this seed, so the same settings give the same text."));
        grid.addRow(row++, seedLabel, seed, lock);
        Spinner<Integer> beams = new Spinner<>(1, 8, vm.beams.get());
        beams.setId("beams");
        beams.valueProperty().addListener((o, a, b) -> vm.beams.set(b));
        beams.setTooltip(new Tooltip("Beam search: keeps this many candidate replies and returns the most probable "
                + "(1 samples with the settings above)."));
        grid.addRow(row, new Label("Beams"), beams);

        ComboBox<String> presets = new ComboBox<>();
        presets.getItems().addAll(SamplingViewModel.PRESETS.keySet());
        presets.setPromptText("Presets");
        presets.setId("presets");
        presets.setOnAction(e -> {
            if (presets.getValue() != null) {
                vm.preset(presets.getValue());
            }
        });
        Button reset = new Button("Reset");
        reset.setOnAction(e -> vm.reset());
        Label title = new Label("Sampling");
        title.getStyleClass().add("panel-title");
        Label hint = new Label("Select a token in a reply: its distribution follows these settings live.");
        hint.getStyleClass().add("hint");
        hint.setWrapText(true);
        getChildren().addAll(title, hint, new HBox(8, presets, reset), grid, compareBox(vm));
    }

    /** Compare: the next reply to the same conversation under these settings and under a preset. */
    private VBox compareBox(SamplingViewModel vm) {
        Label title = new Label("Compare settings");
        title.getStyleClass().add("panel-title");
        ComboBox<String> other = new ComboBox<>();
        other.getItems().addAll(SamplingViewModel.PRESETS.keySet());
        other.setValue("Creative");
        other.setId("compare-preset");
        Button run = new Button("Compare on this conversation");
        run.setId("compare-settings");
        javafx.scene.control.TextArea left = new javafx.scene.control.TextArea();
        javafx.scene.control.TextArea right = new javafx.scene.control.TextArea();
        for (javafx.scene.control.TextArea t : new javafx.scene.control.TextArea[] {left, right}) {
            t.setWrapText(true);
            t.setEditable(false);
            t.setPrefRowCount(8);
            t.setPrefColumnCount(18);
        }
        left.setId("compare-a");
        right.setId("compare-b");
        run.setOnAction(e -> compare.run(vm.settings(), vm.settingsWithPreset(other.getValue()), left, right));
        Label hint = new Label("Two replies to the conversation as it stands, not added to it.");
        hint.getStyleClass().add("hint");
        return new VBox(6, title, hint, new HBox(6, new Label("these settings vs"), other, run),
                new HBox(6, new VBox(2, new Label("these settings"), left), new VBox(2, new Label("the preset"), right)));
    }

    /** Runs a comparison and fills the two text areas; set by the window. */
    interface Comparison {
        void run(org.llmexplorer.engine.sampling.SamplingSettings a, org.llmexplorer.engine.sampling.SamplingSettings b,
                 javafx.scene.control.TextArea left, javafx.scene.control.TextArea right);
    }

    private Comparison compare = (a, b, l, r) -> { };

    void comparison(Comparison c) {
        this.compare = c;
    }

    private static int slider(GridPane grid, int row, String id, String name, DoubleProperty p, double min, double max,
                              String tip) {
        Slider s = new Slider(min, max, p.get());
        s.setId(id);
        s.valueProperty().bindBidirectional(p);
        TextField field = new TextField();
        field.setPrefColumnCount(5);
        field.textProperty().bindBidirectional(p, new NumberStringConverter("0.###"));
        Label label = new Label(name);
        Tooltip t = new Tooltip(tip);
        t.setWrapText(true);
        t.setMaxWidth(320);
        label.setTooltip(t);
        s.setTooltip(t);
        grid.addRow(row, label, s, field);
        return row + 1;
    }

    private static int intSlider(GridPane grid, int row, String id, String name, IntegerProperty p, int min, int max,
                                 String tip) {
        Slider s = new Slider(min, max, p.get());
        s.setId(id);
        s.setMajorTickUnit(1);
        s.setSnapToTicks(true);
        s.setBlockIncrement(1);
        s.valueProperty().addListener((o, a, b) -> p.set(b.intValue()));
        p.addListener((o, a, b) -> s.setValue(b.intValue()));
        TextField field = new TextField();
        field.setPrefColumnCount(5);
        field.textProperty().bindBidirectional(p, new NumberStringConverter("0"));
        Label label = new Label(name);
        Tooltip t = new Tooltip(tip);
        t.setWrapText(true);
        t.setMaxWidth(320);
        label.setTooltip(t);
        s.setTooltip(t);
        grid.addRow(row, label, s, field);
        return row + 1;
    }
}
