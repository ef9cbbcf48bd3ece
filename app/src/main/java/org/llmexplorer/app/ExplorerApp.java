package org.llmexplorer.app;

import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.stage.Stage;

/** The LLM Explorer window (the application issue builds it out). */
public final class ExplorerApp extends Application {
    @Override
    public void start(Stage stage) {
        BorderPane root = new BorderPane(new Label("LLM Explorer"));
        stage.setTitle("LLM Explorer");
        stage.setScene(new Scene(root, 960, 640));
        stage.show();
    }
}
