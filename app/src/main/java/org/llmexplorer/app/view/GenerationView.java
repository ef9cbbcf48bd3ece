package org.llmexplorer.app.view;

import javafx.collections.FXCollections;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TextFormatter;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;
import javafx.util.converter.LongStringConverter;
import javafx.util.converter.NumberStringConverter;
import org.controlsfx.control.ToggleSwitch;
import org.llmexplorer.app.viewmodel.SamplingViewModel;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.sampling.SamplingSettings;

/**
 * How replies are generated beyond the sampler: their length, the seed (and its lock), beam
 * search; and a comparison of two settings on the conversation as it stands.
 */
final class GenerationView extends VBox {

    /** Runs a comparison and fills the two text areas; set by the window. */
    interface Comparison {
        void run(SamplingSettings a, SamplingSettings b, TextArea left, TextArea right);
    }

    private Comparison compare = (a, b, l, r) -> { };

    GenerationView(SamplingViewModel vm,
                   javafx.beans.value.ObservableValue<org.llmexplorer.engine.session.ModelSummary> model) {
        setSpacing(10);
        setPadding(new Insets(8));
        setMinWidth(0);
        Label title = new Label("Generation");
        title.getStyleClass().add("panel-title");
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(6);

        Slider max = new Slider(1, 1024, vm.maxTokens.get());
        max.setId("max-tokens");
        max.valueProperty().addListener((o, a, b) -> vm.maxTokens.set((int) Math.round(b.doubleValue())));
        vm.maxTokens.addListener((o, a, b) -> {
            if ((int) Math.round(max.getValue()) != b.intValue()) {
                max.setValue(b.intValue());
            }
        });
        HBox.setHgrow(max, Priority.ALWAYS);
        TextField maxField = new TextField();
        maxField.setPrefColumnCount(4);
        maxField.textProperty().bindBidirectional(vm.maxTokens, new NumberStringConverter("0"));
        Label maxLabel = new Label("Max tokens");
        maxLabel.setTooltip(new Tooltip("The longest reply, in tokens."));
        grid.addRow(0, maxLabel, new HBox(6, max, maxField));

        TextField seed = new TextField();
        seed.setId("seed");
        seed.setPrefColumnCount(8);
        TextFormatter<Long> f = new TextFormatter<>(new LongStringConverter(), vm.seed.get());
        seed.setTextFormatter(f);
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
        HBox seedBox = new HBox(8, seed, lock);
        seedBox.setAlignment(Pos.CENTER_LEFT);
        grid.addRow(1, new Label("Seed"), seedBox);

        Spinner<Integer> beams = new Spinner<>(1, 8, vm.beams.get());
        beams.setId("beams");
        beams.setPrefWidth(80);
        beams.valueProperty().addListener((o, a, b) -> vm.beams.set(b));
        vm.beams.addListener((o, a, b) -> beams.getValueFactory().setValue(b.intValue()));
        beams.setTooltip(new Tooltip("Beam search: keeps this many candidate replies and returns the most probable "
                + "(1 samples with the sampler's settings)."));
        grid.addRow(2, new Label("Beams"), beams);

        ComboBox<KvCache.Type> kv = new ComboBox<>(FXCollections.observableArrayList(KvCache.Type.values()));
        kv.setId("kv-cache");
        kv.valueProperty().bindBidirectional(vm.kvCache);
        kv.setConverter(new StringConverter<>() {
            @Override
            public String toString(KvCache.Type t) {
                return t == null ? "" : switch (t) {
                    case F32 -> "F32 (exact)";
                    case F16 -> "F16 (half the memory)";
                    case Q8_0 -> "Q8_0 (about a quarter)";
                };
            }

            @Override
            public KvCache.Type fromString(String s) {
                return KvCache.Type.valueOf(s.split(" ")[0]);
            }
        });
        // A model whose heads are not whole blocks of 32 cannot keep a Q8_0 cache: that choice is greyed
        // out in the list, and where it is the choice (kept from another model) a hint beside it says why.
        javafx.util.Callback<javafx.scene.control.ListView<KvCache.Type>, javafx.scene.control.ListCell<KvCache.Type>>
                kvCells = list -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(KvCache.Type t, boolean empty) {
                super.updateItem(t, empty);
                setText(empty || t == null ? null : kv.getConverter().toString(t));
                setDisable(!empty && t != null && !holds(model.getValue(), t));
            }
        };
        kv.setCellFactory(kvCells);
        model.addListener((o, a, b) -> { // cells are kept between showings: made anew for another model
            kv.setCellFactory(null);
            kv.setCellFactory(kvCells);
        });
        Label kvHint = new Label();
        kvHint.setId("kv-cache-hint");
        kvHint.getStyleClass().add("hint");
        kvHint.setMinWidth(0); // takes what room the row has left, never the labels' (the tooltip has it whole)
        kvHint.setPrefWidth(0);
        kvHint.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(kvHint, Priority.ALWAYS);
        kvHint.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> {
            var m = model.getValue();
            return holds(m, vm.kvCache.get()) ? "" : "not for this model: its heads are " + m.headDim()
                    + " wide, not blocks of 32 (choose F16 or F32)";
        }, model, vm.kvCache));
        kvHint.tooltipProperty().bind(javafx.beans.binding.Bindings.createObjectBinding(
                () -> kvHint.getText().isEmpty() ? null : new Tooltip(kvHint.getText()), kvHint.textProperty()));
        kv.setTooltip(new Tooltip("How the conversation keeps its keys and values. F16: half precision, half the "
                + "memory, rounded as llama.cpp's default cache rounds (on the CPU and on an OpenCL device). Q8_0: "
                + "blocks of 32 8-bit codes, about a quarter of the memory, as llama.cpp's q8_0 cache, and the "
                + "fastest in long conversations, since attention reads a quarter of the bytes (on the CPU; for "
                + "models whose heads are whole blocks of 32). Takes effect for the next reply."));
        HBox kvBox = new HBox(8, kv, kvHint);
        kvBox.setAlignment(Pos.CENTER_LEFT);
        grid.addRow(3, new Label("KV cache"), kvBox);

        Spinner<Integer> context = new Spinner<>(SamplingViewModel.MIN_CONTEXT, 1 << 20, vm.contextLimit.get(), 1024);
        context.setId("context-limit");
        context.setEditable(true);
        context.setPrefWidth(110);
        context.valueProperty().addListener((o, a, b) -> vm.contextLimit.set(b));
        vm.contextLimit.addListener((o, a, b) -> context.getValueFactory().setValue(b.intValue()));
        context.setTooltip(new Tooltip("The most tokens a conversation holds (at most the model's own context): "
                + "when it is full, the oldest turns slide out. A longer context takes more memory for the KV cache "
                + "(the model card says how much). Takes effect for the next reply."));
        Label contextLabel = new Label("Context");
        contextLabel.setLabelFor(context);
        Label modelContext = new Label(); // what the model itself holds: the context is at most that
        modelContext.setId("model-context");
        modelContext.getStyleClass().add("hint");
        modelContext.setMinWidth(Region.USE_PREF_SIZE);
        modelContext.textProperty().bind(javafx.beans.binding.Bindings.createStringBinding(() -> {
            var m = model.getValue();
            return m == null || m.contextLength() <= 0 ? "" : String.format("of the model's %,d", m.contextLength());
        }, model));
        HBox contextBox = new HBox(8, context, modelContext);
        contextBox.setAlignment(Pos.CENTER_LEFT);
        grid.addRow(4, contextLabel, contextBox);
        GridPane.setHgrow(grid.getChildren().get(1), Priority.ALWAYS);

        getChildren().addAll(title, grid, compareBox(vm));
    }

    /** Whether the model (none yet, or a remote one: unknown) can keep a cache of this type. */
    private static boolean holds(org.llmexplorer.engine.session.ModelSummary m, KvCache.Type t) {
        return m == null || m.headDim() <= 0 || t == null || KvCache.holds(t, m.headDim());
    }

    void comparison(Comparison c) {
        this.compare = c;
    }

    /** Compare: the next reply to the same conversation under these settings and under a preset. */
    private VBox compareBox(SamplingViewModel vm) {
        Label title = new Label("Compare settings");
        title.getStyleClass().add("panel-title");
        ComboBox<String> other = new ComboBox<>();
        other.getItems().addAll(SamplingViewModel.PRESETS.keySet());
        other.setValue("Creative");
        other.setId("compare-preset");
        Button run = new Button("Compare");
        run.setId("compare-settings");
        TextArea left = new TextArea();
        TextArea right = new TextArea();
        for (TextArea t : new TextArea[] {left, right}) {
            t.setWrapText(true);
            t.setEditable(false);
            t.setPrefRowCount(8);
            t.setPrefColumnCount(10);
            t.setMinWidth(0);
            HBox.setHgrow(t, Priority.ALWAYS);
        }
        left.setId("compare-a");
        right.setId("compare-b");
        run.setOnAction(e -> compare.run(vm.settings(), vm.settingsWithPreset(other.getValue()), left, right));
        Label hint = new Label("Two replies to the conversation as it stands, kept out of it.");
        hint.getStyleClass().add("hint");
        hint.setWrapText(true);
        HBox pick = new HBox(6, new Label("these settings vs"), other, run);
        pick.setAlignment(Pos.CENTER_LEFT);
        VBox a = new VBox(2, new Label("these settings"), left);
        VBox b = new VBox(2, new Label("the preset"), right);
        HBox.setHgrow(a, Priority.ALWAYS);
        HBox.setHgrow(b, Priority.ALWAYS);
        a.setMinWidth(0);
        b.setMinWidth(0);
        return new VBox(6, title, hint, pick, new HBox(6, a, b));
    }
}
