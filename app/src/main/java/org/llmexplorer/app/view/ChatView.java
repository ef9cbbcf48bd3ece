package org.llmexplorer.app.view;

import java.util.function.Consumer;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import org.llmexplorer.app.viewmodel.ChatViewModel;
import org.llmexplorer.app.viewmodel.MessageItem;
import org.llmexplorer.app.viewmodel.StepRef;
import org.llmexplorer.engine.session.Step;

/**
 * The conversation. Replies are drawn token by token as they stream in, each token coloured by
 * the probability the model gave it; clicking a token selects it in the token inspector.
 */
final class ChatView extends BorderPane {
    private final ChatViewModel vm;
    private final Consumer<StepRef> select;
    private final VBox list = new VBox(8);
    private final ScrollPane scroll = new ScrollPane(list);
    private Text selectedText;

    ChatView(ChatViewModel vm, Consumer<StepRef> select) {
        this.vm = vm;
        this.select = select;
        list.setPadding(new Insets(10));
        scroll.setFitToWidth(true);
        scroll.setId("chat-scroll");
        setCenter(scroll);

        TextArea input = new TextArea();
        input.setId("chat-input");
        input.setPrefRowCount(3);
        input.setWrapText(true);
        input.setPromptText("Write a message (Ctrl+Enter sends, Esc stops)");
        input.textProperty().bindBidirectional(vm.input);
        Button send = button("Send", "send", "Send the message (Ctrl+Enter)", vm::send);
        Button stop = button("Stop", "stop", "Stop generating (Esc)", vm::stop);
        Button again = button("Regenerate", "regenerate", "Generate the last reply again", vm::regenerate);
        Button fresh = button("New chat", "new-chat", "Start an empty conversation", vm::newChat);
        send.disableProperty().bind(vm.generatingProperty());
        stop.disableProperty().bind(vm.generatingProperty().not());
        again.disableProperty().bind(vm.generatingProperty());
        HBox.setHgrow(input, Priority.ALWAYS);
        VBox buttons = new VBox(4, send, stop, again, fresh);
        buttons.setMinWidth(110);
        HBox bottom = new HBox(8, input, buttons);
        bottom.setPadding(new Insets(8));
        setBottom(bottom);

        Label empty = new Label("Open a model, then write the beginning of a story.");
        empty.getStyleClass().add("placeholder");
        list.getChildren().add(empty);
        vm.messages().addListener((ListChangeListener<MessageItem>) c -> rebuild());
    }

    private static Button button(String text, String id, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        b.setMaxWidth(Double.MAX_VALUE);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    private void rebuild() {
        list.getChildren().clear();
        for (int i = 0; i < vm.messages().size(); i++) {
            list.getChildren().add(bubble(i, vm.messages().get(i)));
        }
        scroll.setVvalue(1.0);
    }

    private Node bubble(int index, MessageItem m) {
        VBox box = new VBox(4);
        box.getStyleClass().addAll("message", m.role());
        box.setId("message-" + index);
        Label role = new Label(m.role().equals("user") ? "YOU" : "MODEL");
        role.getStyleClass().add("message-role");
        TextFlow flow = new TextFlow();
        if (m.role().equals("user")) {
            Text t = new Text(m.text());
            t.getStyleClass().addAll("chat-text", "user-text");
            flow.getChildren().add(t);
            Button edit = new Button("Edit");
            edit.setId("edit-" + index);
            edit.setOnAction(e -> {
                TextInputDialog d = new TextInputDialog(m.text());
                d.setHeaderText("Edit the message and send it again");
                d.showAndWait().ifPresent(text -> vm.edit(index, text));
            });
            box.getChildren().addAll(new HBox(8, role, edit), flow);
        } else {
            for (int s = 0; s < m.steps().size(); s++) {
                flow.getChildren().add(token(index, s, m.steps().get(s)));
            }
            if (m.steps().isEmpty() && !m.text().isEmpty()) {
                flow.getChildren().add(new Text(m.text()));
            }
            m.steps().addListener((ListChangeListener<Step>) c -> {
                while (c.next()) {
                    if (c.wasRemoved()) { // a reply replaced as a whole: draw it again
                        flow.getChildren().clear();
                        for (int s = 0; s < m.steps().size(); s++) {
                            flow.getChildren().add(token(index, s, m.steps().get(s)));
                        }
                        return;
                    }
                    for (int s = c.getFrom(); s < c.getTo(); s++) { // tokens streaming in
                        flow.getChildren().add(token(index, s, m.steps().get(s)));
                    }
                    scroll.setVvalue(1.0);
                }
            });
            Button copy = new Button("Copy");
            copy.setId("copy-" + index);
            copy.setOnAction(e -> {
                javafx.scene.input.ClipboardContent c = new javafx.scene.input.ClipboardContent();
                c.putString(m.text());
                javafx.scene.input.Clipboard.getSystemClipboard().setContent(c);
            });
            box.getChildren().addAll(new HBox(8, role, copy), flow);
        }
        return box;
    }

    private Text token(int message, int step, Step s) {
        Text t = new Text(s.text());
        t.getStyleClass().add("chat-text");
        t.setId("token-" + message + "-" + step);
        t.setFill(Colors.probability(s.p()));
        Tooltip.install(t, new Tooltip(String.format("p %.3f, rank %d — click to inspect", s.p(), s.rank())));
        t.setOnMouseClicked(e -> {
            if (selectedText != null) {
                selectedText.getStyleClass().remove("token-selected");
            }
            selectedText = t;
            t.getStyleClass().add("token-selected");
            select.accept(new StepRef(message, step));
        });
        return t;
    }
}
