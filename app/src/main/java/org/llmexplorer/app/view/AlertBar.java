package org.llmexplorer.app.view;

import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import java.util.function.Consumer;

/** Messages that stay on screen until dismissed: a failure, a settings file set aside. */
final class AlertBar extends VBox {
    private final ObservableList<String> alerts;
    private final Consumer<String> dismiss;

    AlertBar(ObservableList<String> alerts, Consumer<String> dismiss) {
        this.alerts = alerts;
        this.dismiss = dismiss;
        setId("alerts");
        alerts.addListener((ListChangeListener<String>) c -> rebuild());
        rebuild();
    }

    private void rebuild() {
        getChildren().clear();
        for (String a : alerts) {
            Label text = new Label(a);
            text.setWrapText(true);
            text.setMinWidth(0);
            text.getStyleClass().add("alert-text");
            HBox.setHgrow(text, Priority.ALWAYS);
            text.setMaxWidth(Double.MAX_VALUE);
            Button close = new Button("Dismiss");
            close.getStyleClass().add("alert-dismiss");
            close.setOnAction(e -> dismiss.accept(a));
            HBox row = new HBox(8, text, close);
            row.setAlignment(Pos.CENTER_LEFT);
            row.setPadding(new Insets(4, 8, 4, 8));
            row.getStyleClass().add("alert-row");
            getChildren().add(row);
        }
        setVisible(!alerts.isEmpty());
        setManaged(!alerts.isEmpty());
    }
}
