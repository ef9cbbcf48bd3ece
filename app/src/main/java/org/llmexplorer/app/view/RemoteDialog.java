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

    static Optional<Answer> ask(String lastAddress) {
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
        TextField model = new TextField();
        model.setId("remote-model");
        model.setPromptText("the first it lists");
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(6);
        g.setPadding(new Insets(10));
        g.addRow(0, new Label("Address"), address);
        g.addRow(1, new Label("API key"), key);
        g.addRow(2, new Label("Model"), model);
        d.getDialogPane().setContent(g);
        ButtonType connect = new ButtonType("Connect", javafx.scene.control.ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().addAll(connect, ButtonType.CANCEL);
        d.getDialogPane().lookupButton(connect).disableProperty().bind(address.textProperty().isEmpty());
        d.setResultConverter(b -> b == connect ? new Answer(address.getText(), key.getText(), model.getText()) : null);
        return d.showAndWait();
    }
}
