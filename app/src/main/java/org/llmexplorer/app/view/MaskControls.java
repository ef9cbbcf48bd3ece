package org.llmexplorer.app.view;

import java.util.List;
import javafx.collections.MapChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.viewmodel.AttentionViewModel;
import org.llmexplorer.engine.attention.MaskCatalogue;

/**
 * The mask as controls: a picker with each mask's name, a sentence on what it does and where it
 * comes from, a control per parameter, and the spec text for experts (and per-layer plans),
 * kept in sync both ways by the view model. Every change redraws at once.
 */
final class MaskControls extends VBox {
    private final AttentionViewModel vm;
    private final FlowPane params = new FlowPane(10, 4);
    private final Label description = new Label();
    private final ComboBox<String> picker = new ComboBox<>();
    private boolean building;
    /** Shows a value in its control, by parameter. */
    private final java.util.Map<String, java.util.function.Consumer<String>> setters = new java.util.HashMap<>();

    MaskControls(AttentionViewModel vm) {
        this.vm = vm;
        setSpacing(4);
        picker.setId("mask-kind");
        picker.getItems().add(AttentionViewModel.OWN);
        for (MaskCatalogue.Kind k : AttentionViewModel.kinds()) {
            picker.getItems().add(k.name());
        }
        picker.getItems().add(AttentionViewModel.PLAN);
        picker.setCellFactory(l -> new KindCell());
        picker.setButtonCell(new KindCell());
        picker.setMaxWidth(Double.MAX_VALUE);
        picker.setMinWidth(110);
        picker.valueProperty().bindBidirectional(vm.maskKind);
        HBox.setHgrow(picker, Priority.ALWAYS);

        Button apply = new Button("Use for generation");
        apply.setId("apply-mask");
        apply.setMinWidth(Button.USE_PREF_SIZE);
        apply.setTooltip(new Tooltip("The next replies run under this mask (the attention itself changes, not just the picture)"));
        apply.setOnAction(e -> vm.apply());
        Label pickLabel = new Label("Kind");
        pickLabel.setMinWidth(Label.USE_PREF_SIZE);
        HBox pickRow = new HBox(6, pickLabel, picker);
        pickRow.setAlignment(Pos.CENTER_LEFT);

        description.setWrapText(true);
        description.getStyleClass().add("hint");
        description.setId("mask-description");
        description.setMinHeight(Label.USE_PREF_SIZE);
        params.setId("mask-params");

        TextField spec = new TextField();
        spec.setId("mask-spec");
        spec.setPromptText("spec, e.g. sliding:w=8 or L0-1@sliding:w=4;L2-@causal");
        spec.setTooltip(new Tooltip("The mask as text: one mask, or a plan per layer and head (Enter applies)"));
        spec.setText(vm.mask.get());
        vm.mask.addListener((o, a, b) -> {
            if (!spec.isFocused() || !b.equals(spec.getText())) {
                spec.setText(b);
            }
        });
        spec.setOnAction(e -> vm.mask.set(spec.getText().strip()));
        spec.focusedProperty().addListener((o, was, is) -> {
            if (!is && !spec.getText().strip().equals(vm.mask.get())) {
                vm.mask.set(spec.getText().strip());
            }
        });
        HBox.setHgrow(spec, Priority.ALWAYS);
        Label specLabel = new Label("spec");
        specLabel.setMinWidth(Label.USE_PREF_SIZE);
        HBox specRow = new HBox(6, specLabel, spec);
        specRow.setAlignment(Pos.CENTER_LEFT);

        Label applied = new Label();
        applied.getStyleClass().add("hint");
        applied.setId("mask-applied");
        applied.textProperty().bind(vm.appliedProperty().map(s -> "replies run under: " + s));
        applied.setMinWidth(0);
        applied.setWrapText(true);
        applied.setMinHeight(Label.USE_PREF_SIZE);
        HBox applyRow = new HBox(8, apply, applied);
        applyRow.setAlignment(Pos.CENTER_LEFT);
        Label error = new Label();
        error.getStyleClass().add("error-text");
        error.setWrapText(true);
        error.textProperty().bind(vm.errorProperty());
        error.managedProperty().bind(vm.errorProperty().isNotEmpty());
        error.visibleProperty().bind(vm.errorProperty().isNotEmpty());

        getChildren().addAll(pickRow, description, params, specRow, applyRow, error);
        vm.maskKind.addListener((o, a, b) -> rebuild());
        vm.ownMaskProperty().addListener((o, a, b) -> rebuild());
        vm.maskValues.addListener((MapChangeListener<String, String>) c -> {
            if (building || !c.wasAdded()) {
                return;
            }
            var setter = setters.get(c.getKey());
            if (setter == null) {
                rebuild();
            } else { // a value changed elsewhere (the spec text, a test): the control shows it
                building = true;
                setter.accept(c.getValueAdded());
                building = false;
            }
        });
        rebuild();
    }

    /** The controls of the chosen kind. */
    private void rebuild() {
        building = true;
        params.getChildren().clear();
        setters.clear();
        String kind = vm.maskKind.get();
        if (kind == null || kind.equals(AttentionViewModel.OWN)) {
            description.setText("The mask the model was trained with (" + vm.ownMaskProperty().get() + "): "
                    + "what it sees when nothing is changed.");
        } else if (kind.equals(AttentionViewModel.PLAN)) {
            description.setText("A plan: a mask per layer and head, written as text below "
                    + "(e.g. L0-1@sliding:w=4;L2-@causal; later entries win).");
        } else {
            MaskCatalogue.kind(kind).ifPresent(k -> {
                description.setText(k.description());
                for (MaskCatalogue.Param p : k.params()) {
                    params.getChildren().add(control(p));
                }
            });
        }
        building = false;
    }

    private Node control(MaskCatalogue.Param p) {
        String value = vm.maskValues.getOrDefault(p.key(), p.defaultValue());
        Label name = new Label(p.label());
        name.setMinWidth(Label.USE_PREF_SIZE);
        Tooltip tip = new Tooltip(p.help());
        name.setTooltip(tip);
        Node input = switch (p.kind()) {
            case INT -> intControl(p, value);
            case BOOL -> {
                CheckBox c = new CheckBox();
                c.setSelected(Boolean.parseBoolean(value));
                c.selectedProperty().addListener((o, a, b) -> put(p, String.valueOf(b)));
                setters.put(p.key(), v -> c.setSelected(Boolean.parseBoolean(v)));
                yield c;
            }
            case CHOICE -> {
                ChoiceBox<String> c = new ChoiceBox<>();
                c.getItems().addAll(p.choices());
                c.setValue(value);
                c.valueProperty().addListener((o, a, b) -> put(p, b));
                setters.put(p.key(), c::setValue);
                yield c;
            }
            case POSITIONS -> {
                TextField f = new TextField(value);
                f.setPrefColumnCount(6);
                f.setOnAction(e -> put(p, f.getText().strip()));
                f.focusedProperty().addListener((o, was, is) -> {
                    if (!is) {
                        put(p, f.getText().strip());
                    }
                });
                setters.put(p.key(), f::setText);
                yield f;
            }
        };
        input.setId("mask-param-" + p.key());
        HBox box = new HBox(4, name, input);
        box.setAlignment(Pos.CENTER_LEFT);
        return box;
    }

    /** A slider to drag (over a range that suits the conversation) and a spinner for exact values. */
    private Node intControl(MaskCatalogue.Param p, String value) {
        int v = parse(value, p.min());
        Spinner<Integer> spinner = new Spinner<>(new SpinnerValueFactory.IntegerSpinnerValueFactory(p.min(), p.max(), v));
        spinner.setEditable(true);
        spinner.setPrefWidth(72);
        spinner.setId("mask-spin-" + p.key());
        setters.put(p.key(), x -> spinner.getValueFactory().setValue(parse(x, p.min())));
        if (p.key().equals("seed")) {
            spinner.valueProperty().addListener((o, a, b) -> put(p, String.valueOf(b)));
            return spinner;
        }
        int tokens = vm.snapshotProperty().get() == null ? 64 : vm.snapshotProperty().get().tokens().length;
        int max = Math.max(Math.min(p.max(), Math.max(16, tokens)), v);
        Slider slider = new Slider(p.min(), max, v);
        slider.setBlockIncrement(1);
        slider.setMajorTickUnit(1);
        slider.setMinorTickCount(0);
        slider.setSnapToTicks(true);
        slider.setPrefWidth(110);
        slider.setMinWidth(60);
        slider.setId("mask-slider-" + p.key());
        slider.valueProperty().addListener((o, a, b) -> {
            int k = (int) Math.round(b.doubleValue());
            if (spinner.getValue() != k) {
                spinner.getValueFactory().setValue(k);
            }
        });
        spinner.valueProperty().addListener((o, a, b) -> {
            if ((int) Math.round(slider.getValue()) != b) {
                slider.setValue(b);
            }
            put(p, String.valueOf(b));
        });
        HBox box = new HBox(4, slider, spinner);
        box.setAlignment(Pos.CENTER_LEFT);
        return box;
    }

    /** A control moved by the user: the view model gets the value (not while the controls are being set). */
    private void put(MaskCatalogue.Param p, String value) {
        if (!building) {
            vm.maskValues.put(p.key(), value);
        }
    }

    private static int parse(String s, int fallback) {
        try {
            return Integer.parseInt(s.trim());
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    /** The picker's rows: the mask's title. */
    private final class KindCell extends ListCell<String> {
        @Override
        protected void updateItem(String item, boolean empty) {
            super.updateItem(item, empty);
            if (empty || item == null) {
                setText(null);
            } else if (item.equals(AttentionViewModel.OWN)) {
                setText("Model's own (" + vm.ownMaskProperty().get() + ")");
            } else if (item.equals(AttentionViewModel.PLAN)) {
                setText("Plan per layer (spec text)");
            } else {
                setText(MaskCatalogue.kind(item).map(MaskCatalogue.Kind::title).orElse(item));
            }
        }
    }

    List<Node> parameterControls() {
        return params.getChildren();
    }
}
