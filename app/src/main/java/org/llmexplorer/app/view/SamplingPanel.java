package org.llmexplorer.app.view;

import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.collections.ListChangeListener;
import javafx.collections.SetChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Slider;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.converter.NumberStringConverter;
import org.llmexplorer.app.viewmodel.InspectorViewModel;
import org.llmexplorer.app.viewmodel.SamplingViewModel;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.session.Step;

/**
 * Cause and effect side by side: the sampler's controls (sliders, presets, the stages' order,
 * logit bias) above the selected token's distribution through each stage, which they re-shape
 * as they move (re-sampled from the step's kept logits; the model does not run).
 */
final class SamplingPanel extends VBox {
    private final InspectorViewModel inspector;
    private final StageChart chart = new StageChart();
    private final Label header = new Label();
    private final Label would = new Label();

    SamplingPanel(SamplingViewModel vm, InspectorViewModel inspector) {
        this.inspector = inspector;
        setSpacing(6);
        setPadding(new Insets(8));
        setMinWidth(0);

        Label title = new Label("Sampling");
        title.getStyleClass().add("panel-title");
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
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox top = new HBox(6, title, gap, presets, reset);
        top.setAlignment(Pos.CENTER_LEFT);

        GridPane sliders = new GridPane();
        sliders.setHgap(12);
        sliders.setVgap(2);
        ColumnConstraints half = new ColumnConstraints();
        half.setPercentWidth(50);
        sliders.getColumnConstraints().addAll(half, half);
        int k = 0;
        k = place(sliders, k, slider("temperature", "Temperature", vm.temperature, 0, 2,
                "Divides the logits: below 1 sharpens the distribution, above 1 flattens it; 0 always takes the top token."));
        k = place(sliders, k, intSlider("top-k", "Top-k", vm.topK, 0, 100, "Keeps only the k most likely tokens (0 keeps all)."));
        k = place(sliders, k, slider("top-p", "Top-p", vm.topP, 0.01, 1,
                "Keeps the smallest set of most likely tokens whose probabilities add up to p (1 keeps all)."));
        k = place(sliders, k, slider("min-p", "Min-p", vm.minP, 0, 1,
                "Drops tokens less likely than min-p times the most likely one (0 keeps all)."));
        k = place(sliders, k, slider("typical-p", "Typical-p", vm.typicalP, 0.01, 1,
                "Keeps the tokens whose surprise is closest to the distribution's average surprise (1 keeps all)."));
        k = place(sliders, k, slider("repeat-penalty", "Repetition", vm.repeatPenalty, 1, 2,
                "Repetition penalty: makes tokens seen in the last 64 less likely (1 turns it off)."));
        k = place(sliders, k, slider("presence-penalty", "Presence", vm.presencePenalty, 0, 2,
                "Presence penalty: subtracts this from the logit of every token seen in the last 64 (0 turns it off)."));
        place(sliders, k, slider("frequency-penalty", "Frequency", vm.frequencyPenalty, 0, 2,
                "Frequency penalty: subtracts this times the number of times a token was seen in the last 64 (0 turns it off)."));

        TitledPane chain = new TitledPane("Stage order and logit bias", chainEditor(vm));
        chain.setExpanded(false);
        chain.setId("chain-editor");

        header.setWrapText(true);
        header.setId("token-header");
        header.getStyleClass().add("token-header");
        header.setMinHeight(Region.USE_PREF_SIZE);
        would.getStyleClass().add("hint");
        would.setId("would-pick");
        would.setWrapText(true);
        would.setMinHeight(Region.USE_PREF_SIZE);
        VBox chartBox = new VBox(4, header, would, chart, chart.unchangedLabel());
        chartBox.setPadding(new Insets(0, 4, 0, 0));
        ScrollPane scroll = new ScrollPane(chartBox);
        scroll.setFitToWidth(true);
        scroll.setId("stages");
        scroll.setMinHeight(120);
        VBox.setVgrow(scroll, Priority.ALWAYS);

        getChildren().addAll(top, sliders, chain, scroll);
        chart.onPick(inspector::branchTo);
        inspector.stages().addListener((ListChangeListener<StageReport>) c -> redrawSoon());
        inspector.wouldPickProperty().addListener((o, a, b) -> redrawSoon());
        inspector.selected.addListener((o, a, b) -> redrawSoon());
        redraw();
    }

    private boolean redrawPending;

    /** One redraw for a burst of changes (new stages and the token they would draw arrive together). */
    private void redrawSoon() {
        if (!redrawPending) {
            redrawPending = true;
            javafx.application.Platform.runLater(() -> {
                redrawPending = false;
                redraw();
            });
        }
    }

    private void redraw() {
        Step s = inspector.step();
        if (s == null) {
            header.setText("Click a token of a reply: its distribution through every sampler stage appears here, "
                    + "and the sliders above re-shape it as you drag them.");
            would.setText("");
            chart.show(java.util.List.of(), -1, -1, inspector::piece);
            return;
        }
        header.setText(String.format("'%s' — probability %.4f in the model's distribution, rank %d",
                HeatmapView.shown(s.text()), s.p(), s.rank()));
        int t = inspector.wouldPickProperty().get();
        would.setText(t < 0 ? "" : t == s.token()
                ? "with these settings this step still draws '" + HeatmapView.shown(inspector.piece(t)) + "'"
                : "with these settings this step would draw '" + HeatmapView.shown(inspector.piece(t)) + "' instead");
        chart.show(inspector.stages(), s.token(), t, inspector::piece, inspector.scope());
    }

    StageChart chart() {
        return chart;
    }

    private static int place(GridPane grid, int k, VBox cell) {
        grid.add(cell, k % 2, k / 2);
        return k + 1;
    }

    /** The stages in the order they run, each with a switch and arrows; and the logit bias. */
    private static VBox chainEditor(SamplingViewModel vm) {
        VBox stages = new VBox(2);
        Runnable rebuild = () -> {
            stages.getChildren().clear();
            for (String st : vm.stageOrder) {
                CheckBox on = new CheckBox(st.replace('_', '-'));
                on.setSelected(!vm.stagesOff.contains(st));
                on.setId("stage-on-" + st);
                on.setTooltip(new Tooltip(SamplingViewModel.STAGE_HELP.get(st)));
                on.selectedProperty().addListener((o, a, b) -> {
                    if (b) {
                        vm.stagesOff.remove(st);
                    } else {
                        vm.stagesOff.add(st);
                    }
                });
                Button up = new Button("↑");
                up.setOnAction(e -> vm.move(st, -1));
                Button down = new Button("↓");
                down.setOnAction(e -> vm.move(st, 1));
                Region gap = new Region();
                HBox.setHgrow(gap, Priority.ALWAYS);
                HBox row = new HBox(4, on, gap, up, down);
                row.setAlignment(Pos.CENTER_LEFT);
                stages.getChildren().add(row);
            }
        };
        vm.stageOrder.addListener((ListChangeListener<String>) c -> rebuild.run());
        vm.stagesOff.addListener((SetChangeListener<String>) c -> rebuild.run());
        rebuild.run();
        Label hint = new Label("The final draw samples from what the last stage leaves.");
        hint.getStyleClass().add("hint");
        TextField bias = new TextField(vm.logitBias.get());
        bias.setId("logit-bias");
        bias.setPromptText("' the'=-5, 13=+2, '\\n'=-inf");
        bias.setTooltip(new Tooltip("Added to chosen tokens' logits: a token id or a quoted text (one token), "
                + "= and a number; -inf bans the token. Enter applies."));
        bias.setOnAction(e -> vm.logitBias.set(bias.getText()));
        bias.focusedProperty().addListener((o, was, is) -> {
            if (!is) {
                vm.logitBias.set(bias.getText());
            }
        });
        vm.logitBias.addListener((o, a, b) -> {
            if (!bias.getText().equals(b)) {
                bias.setText(b);
            }
        });
        Label biasError = new Label();
        biasError.getStyleClass().add("error-text");
        biasError.setWrapText(true);
        biasError.textProperty().bind(vm.biasErrorProperty());
        return new VBox(4, stages, hint, new Label("Logit bias"), bias, biasError);
    }

    private static VBox slider(String id, String name, DoubleProperty p, double min, double max, String tip) {
        Slider s = new Slider(min, max, p.get());
        s.setId(id);
        s.valueProperty().bindBidirectional(p);
        TextField field = new TextField();
        field.setPrefColumnCount(4);
        field.setId(id + "-value");
        field.textProperty().bindBidirectional(p, new NumberStringConverter("0.###"));
        return cell(name, s, field, tip);
    }

    private static VBox intSlider(String id, String name, IntegerProperty p, int min, int max, String tip) {
        Slider s = new Slider(min, max, p.get());
        s.setId(id);
        s.setMajorTickUnit(1);
        s.setMinorTickCount(0);
        s.setSnapToTicks(true);
        s.setBlockIncrement(1);
        s.valueProperty().addListener((o, a, b) -> p.set((int) Math.round(b.doubleValue())));
        p.addListener((o, a, b) -> {
            if ((int) Math.round(s.getValue()) != b.intValue()) {
                s.setValue(b.intValue());
            }
        });
        TextField field = new TextField();
        field.setPrefColumnCount(4);
        field.setId(id + "-value");
        field.textProperty().bindBidirectional(p, new NumberStringConverter("0"));
        return cell(name, s, field, tip);
    }

    private static VBox cell(String name, Slider s, TextField field, String tip) {
        Label label = new Label(name);
        label.setMinWidth(0);
        Tooltip t = new Tooltip(tip);
        t.setWrapText(true);
        t.setMaxWidth(320);
        label.setTooltip(t);
        s.setTooltip(t);
        s.setMinWidth(40);
        field.setMinWidth(44);
        field.setMaxWidth(56);
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox line = new HBox(4, label, gap, field);
        line.setAlignment(Pos.CENTER_LEFT);
        return new VBox(0, line, s);
    }
}
