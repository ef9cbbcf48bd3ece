package org.llmexplorer.app.view;

import java.util.Optional;
import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;

/** Asks where an OpenAI-compatible server is: its address, an optional key, an optional model. */
final class RemoteDialog {
    record Answer(String address, String apiKey, String model) {
    }

    private RemoteDialog() {
    }

    /** Lists a server's models: (address, key) to their ids. */
    interface Lister {
        java.util.concurrent.CompletableFuture<java.util.List<String>> list(String address, String key);
    }

    static Optional<Answer> ask(String lastAddress, Lister lister) {
        Dialog<Answer> d = new Dialog<>();
        d.setTitle("Run on a server");
        d.setHeaderText("An OpenAI-compatible server: llmx serve, vLLM, llama.cpp's llama-server, Ollama.\n"
                + "Probabilities come from its logprobs (the top 20); attention only from llmx serve.");
        TextField address = new TextField(lastAddress);
        address.setId("remote-address");
        address.setPrefColumnCount(28);
        PasswordField key = new PasswordField();
        key.setId("remote-key");
        key.setPromptText("none");
        javafx.scene.control.ComboBox<String> model = new javafx.scene.control.ComboBox<>();
        model.setEditable(true);
        model.setId("remote-model");
        model.setPromptText("the first it lists");
        model.setMaxWidth(Double.MAX_VALUE);
        Label listed = new Label();
        listed.getStyleClass().add("hint");
        listed.setWrapText(true);
        listed.setMaxWidth(360);
        listed.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE); // a long reason wraps instead of being cut
        javafx.scene.control.Button list = new javafx.scene.control.Button("List models");
        list.setId("remote-list");
        list.setOnAction(e -> {
            listed.setText("asking " + address.getText() + "…");
            lister.list(address.getText(), key.getText()).whenComplete((ids, x) -> javafx.application.Platform.runLater(() -> {
                if (x != null) {
                    listed.setText(org.llmexplorer.engine.Errors.describe(x.getCause() != null ? x.getCause() : x));
                } else {
                    model.getItems().setAll(ids);
                    model.setValue(ids.isEmpty() ? "" : ids.get(0));
                    listed.setText(ids.size() + " model" + (ids.size() == 1 ? "" : "s") + " on that server");
                }
            }));
        });
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(6);
        g.setPadding(new Insets(10));
        g.addRow(0, new Label("Address"), address);
        g.addRow(1, new Label("API key"), key);
        g.addRow(2, new Label("Model"), model, list);
        g.add(listed, 1, 3, 2, 1);
        d.getDialogPane().setContent(g);
        ButtonType connect = new ButtonType("Connect", javafx.scene.control.ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().addAll(connect, ButtonType.CANCEL);
        d.getDialogPane().lookupButton(connect).disableProperty().bind(address.textProperty().isEmpty());
        d.setResultConverter(b -> b == connect ? new Answer(address.getText(), key.getText(),
                model.getEditor().getText()) : null);
        return d.showAndWait();
    }
}
