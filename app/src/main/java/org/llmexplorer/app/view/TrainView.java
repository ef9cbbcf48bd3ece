package org.llmexplorer.app.view;

import java.io.File;
import java.nio.file.Path;
import java.util.function.Function;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.llmexplorer.app.viewmodel.TrainViewModel;

/**
 * The Train tab: text file and model settings, Train / Cancel / Export, the loss curves (training
 * and validation) and the attention of a probe sentence, all bound to {@link TrainViewModel}.
 */
public final class TrainView extends VBox {
    private final TrainViewModel vm;
    private final XYChart.Series<Number, Number> train = new XYChart.Series<>();
    private final XYChart.Series<Number, Number> validation = new XYChart.Series<>();
    private final HeatmapView heat = new HeatmapView(true);

    /** @param saveAs asks where to write a file (null: the user cancelled) */
    public TrainView(TrainViewModel vm, Function<String, Path> saveAs) {
        super(8);
        this.vm = vm;
        setPadding(new Insets(8));
        setId("train-view");

        TextField file = new TextField();
        file.setId("train-file");
        file.textProperty().bindBidirectional(vm.textFile);
        file.setPromptText("a UTF-8 text file");
        Button browse = new Button("Browse…");
        browse.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.setTitle("Text to train on");
            File f = chooser.showOpenDialog(getScene().getWindow());
            if (f != null) {
                vm.textFile.set(f.getAbsolutePath());
            }
        });
        HBox fileRow = new HBox(6, new Label("Text"), file, browse);
        HBox.setHgrow(file, javafx.scene.layout.Priority.ALWAYS);

        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(4);
        addSpinner(form, 0, 0, "layers", vm.layers, 1, 16);
        addSpinner(form, 2, 0, "dim", vm.dim, 16, 1024);
        addSpinner(form, 0, 1, "heads", vm.heads, 1, 32);
        addSpinner(form, 2, 1, "vocab", vm.vocab, 258, 32768);
        addSpinner(form, 0, 2, "steps", vm.steps, 1, 100000);
        addSpinner(form, 2, 2, "seq", vm.seqLen, 8, 1024);
        addSpinner(form, 0, 3, "batch", vm.batch, 1, 256);
        TextField lr = new TextField();
        lr.setPrefColumnCount(6);
        lr.setText(String.valueOf(vm.lr.get()));
        lr.textProperty().addListener((o, a, b) -> {
            try {
                vm.lr.set(Double.parseDouble(b));
            } catch (NumberFormatException ignored) {
                // keep the last valid rate while typing
            }
        });
        vm.lr.addListener((o, a, b) -> {
            if (!lr.getText().equals(String.valueOf(b))) {
                lr.setText(String.valueOf(b));
            }
        });
        form.add(new Label("lr"), 2, 3);
        form.add(lr, 3, 3);
        TextField mask = new TextField();
        mask.textProperty().bindBidirectional(vm.mask);
        form.add(new Label("mask"), 0, 4);
        form.add(mask, 1, 4, 3, 1);
        TextField probe = new TextField();
        probe.textProperty().bindBidirectional(vm.probe);
        form.add(new Label("probe"), 0, 5);
        form.add(probe, 1, 5, 3, 1);

        Button start = new Button("Train");
        start.setId("train-start");
        start.disableProperty().bind(vm.runningProperty());
        start.setOnAction(e -> vm.start());
        Button cancel = new Button("Cancel");
        cancel.setId("train-cancel");
        cancel.disableProperty().bind(vm.runningProperty().not());
        cancel.setOnAction(e -> vm.cancel());
        Button export = new Button("Export GGUF…");
        export.disableProperty().bind(vm.trainedProperty().not().or(vm.runningProperty()));
        export.setOnAction(e -> {
            Path out = saveAs.apply("trained.gguf");
            if (out != null) {
                vm.export(out);
            }
        });
        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        progress.setPrefWidth(160);
        progress.setMinWidth(40);
        HBox.setHgrow(progress, javafx.scene.layout.Priority.SOMETIMES);
        for (javafx.scene.control.Button b : new javafx.scene.control.Button[] {start, cancel, export}) {
            b.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        }
        Label status = new Label();
        status.setId("train-status");
        status.textProperty().bind(vm.statusProperty());
        status.setWrapText(true);

        NumberAxis x = new NumberAxis();
        x.setLabel("step");
        x.setForceZeroInRange(false);
        NumberAxis y = new NumberAxis();
        y.setLabel("loss");
        y.setForceZeroInRange(false);
        LineChart<Number, Number> chart = new LineChart<>(x, y);
        chart.setId("train-chart");
        chart.setCreateSymbols(false);
        chart.setAnimated(false);
        chart.setPrefHeight(240);
        train.setName("training");
        validation.setName("validation");
        chart.getData().add(train);
        chart.getData().add(validation);
        follow(vm.trainLoss(), train);
        follow(vm.validationLoss(), validation);

        Label heatTitle = new Label("attention over the probe (layer 0, head 0)");
        vm.attentionProperty().addListener((o, a, b) -> {
            if (b == null) {
                heat.show(null, null, null);
                return;
            }
            heat.show(b.weights(), null, b.tokens());
            heatTitle.setText(String.format("attention over the probe at step %d (layer %d, head %d)", b.step(),
                    vm.probeLayer.get(), vm.probeHead.get()));
        });
        HBox probeRow = new HBox(6, new Label("layer"), spinner(vm.probeLayer, 0, 15), new Label("head"),
                spinner(vm.probeHead, 0, 31));

        heat.setPrefSize(360, 320);
        heat.setMinHeight(260);
        getChildren().addAll(fileRow, form, new HBox(6, start, cancel, export, progress), status, chart, heatTitle,
                probeRow, heat);
    }

    private static void follow(javafx.collections.ObservableList<TrainViewModel.LossPoint> points,
                               XYChart.Series<Number, Number> series) {
        points.addListener((ListChangeListener<TrainViewModel.LossPoint>) change -> {
            while (change.next()) {
                if (change.wasRemoved() && points.isEmpty()) {
                    series.getData().clear();
                }
                for (TrainViewModel.LossPoint p : change.getAddedSubList()) {
                    series.getData().add(new XYChart.Data<>(p.step(), p.loss()));
                }
            }
        });
    }

    private static void addSpinner(GridPane form, int col, int row, String label,
                                   javafx.beans.property.IntegerProperty value, int min, int max) {
        form.add(new Label(label), col, row);
        form.add(spinner(value, min, max), col + 1, row);
    }

    private static Spinner<Integer> spinner(javafx.beans.property.IntegerProperty value, int min, int max) {
        Spinner<Integer> s = new Spinner<>(min, max, value.get());
        s.setEditable(true);
        s.setPrefWidth(90);
        s.valueProperty().addListener((o, a, b) -> value.set(b));
        value.addListener((o, a, b) -> { // both ways: the view model may change it too
            if (!b.equals(s.getValue())) {
                s.getValueFactory().setValue(b.intValue());
            }
        });
        return s;
    }

    public TrainViewModel viewModel() {
        return vm;
    }
}
