package org.llmexplorer.app.view;

import java.util.function.Consumer;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.cell.PropertyValueFactory;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.llmexplorer.app.download.CatalogueEntry;
import org.llmexplorer.app.download.Download;
import org.llmexplorer.app.viewmodel.DownloadsViewModel;

/** Get models: the catalogue, any address of a .gguf, and the downloads with their progress. */
final class DownloadsView extends VBox {

    DownloadsView(DownloadsViewModel vm, Consumer<java.nio.file.Path> load) {
        setSpacing(8);
        setPadding(new Insets(10));
        Label title = new Label("Get models");
        title.getStyleClass().add("panel-title");
        TableView<CatalogueEntry> table = new TableView<>(vm.catalogue());
        table.getColumns().add(column("Model", "name", 190));
        table.getColumns().add(column("Parameters", "parameters", 80));
        table.getColumns().add(column("Quant", "quant", 60));
        TableColumn<CatalogueEntry, String> size = new TableColumn<>("Size");
        size.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(
                String.format("~%.0f MB", c.getValue().bytes() / 1048576.0)));
        table.getColumns().add(size);
        table.getColumns().add(column("Licence", "license", 120));
        TableColumn<CatalogueEntry, String> runs = new TableColumn<>("Runs now");
        runs.setCellValueFactory(c -> new javafx.beans.property.SimpleStringProperty(
                c.getValue().needs().isEmpty() ? "yes" : "needs " + c.getValue().needs()));
        runs.setPrefWidth(220);
        table.getColumns().add(runs);
        table.setPrefHeight(220);
        Button download = new Button("Download selected");
        download.disableProperty().bind(table.getSelectionModel().selectedItemProperty().isNull());
        download.setOnAction(e -> vm.start(table.getSelectionModel().getSelectedItem()));
        TextField url = new TextField();
        url.setPromptText("or any https://… address of a .gguf file");
        HBox.setHgrow(url, Priority.ALWAYS);
        Button fetch = new Button("Download");
        fetch.setOnAction(e -> vm.start(url.getText()));
        ListView<Download> list = new ListView<>(vm.downloads());
        list.setCellFactory(v -> new DownloadCell(vm, load));
        list.setPrefHeight(180);
        Label folder = new Label("Files go to " + vm.folder());
        folder.getStyleClass().add("hint");
        getChildren().addAll(title, table, download, new HBox(6, url, fetch), list, folder);
    }

    private static TableColumn<CatalogueEntry, String> column(String name, String property, double width) {
        TableColumn<CatalogueEntry, String> c = new TableColumn<>(name);
        c.setCellValueFactory(new PropertyValueFactory<>(property));
        c.setPrefWidth(width);
        return c;
    }

    private static final class DownloadCell extends ListCell<Download> {
        private final DownloadsViewModel vm;
        private final Consumer<java.nio.file.Path> load;

        DownloadCell(DownloadsViewModel vm, Consumer<java.nio.file.Path> load) {
            this.vm = vm;
            this.load = load;
        }

        @Override
        protected void updateItem(Download d, boolean empty) {
            super.updateItem(d, empty);
            if (empty || d == null) {
                setGraphic(null);
                return;
            }
            ProgressBar bar = new ProgressBar(d.fraction());
            bar.setPrefWidth(160);
            String speed = d.bytesPerSecond() > 0 ? String.format("%.1f MB/s", d.bytesPerSecond() / 1048576) : "";
            String left = d.secondsLeft() >= 0 ? String.format(", %.0f s left", d.secondsLeft()) : "";
            Label info = new Label(d.id() + " — " + d.state().name().toLowerCase() + " "
                    + String.format("%.1f MB", d.bytes() / 1048576.0) + " " + speed + left + "  " + d.message());
            Button pause = new Button(d.state() == Download.State.PAUSED ? "Resume" : "Pause");
            pause.setDisable(d.state() != Download.State.RUNNING && d.state() != Download.State.PAUSED);
            pause.setOnAction(e -> {
                if (d.state() == Download.State.PAUSED) {
                    vm.resume(d);
                } else {
                    vm.pause(d);
                }
            });
            Button cancel = new Button("Cancel");
            cancel.setDisable(d.state() != Download.State.RUNNING && d.state() != Download.State.PAUSED);
            cancel.setOnAction(e -> vm.cancel(d));
            Button open = new Button("Load");
            open.setDisable(d.state() != Download.State.DONE);
            open.setOnAction(e -> load.accept(d.file()));
            setGraphic(new VBox(2, info, new HBox(6, bar, pause, cancel, open)));
        }
    }
}
