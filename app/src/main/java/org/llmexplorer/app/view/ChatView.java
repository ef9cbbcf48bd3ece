package org.llmexplorer.app.view;

import java.util.ArrayList;
import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Point2D;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextInputDialog;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Path;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import org.llmexplorer.app.viewmodel.AttentionViewModel;
import org.llmexplorer.app.viewmodel.ChatViewModel;
import org.llmexplorer.app.viewmodel.MessageItem;
import org.llmexplorer.app.viewmodel.StepRef;
import org.llmexplorer.engine.session.Step;
import org.llmexplorer.engine.session.TokenSpan;

/**
 * The conversation. Replies are drawn token by token as they stream in, each token coloured by
 * the probability the model gave it; clicking a token selects it for the sampling and attention
 * views (clicking a word of your own message selects its token for the attention views). Tokens
 * selected in the heatmap are highlighted here.
 */
final class ChatView extends BorderPane {
    /** The message box never gets narrower than this. */
    static final double INPUT_MIN_WIDTH = 280;

    private final ChatViewModel vm;
    private final AttentionViewModel attention;
    private final ObjectProperty<StepRef> selected;
    private final Runnable onSelect;
    private final VBox list = new VBox(8);
    private final ScrollPane scroll = new ScrollPane(list);
    private final Label empty = new Label();
    private final List<Bubble> bubbles = new ArrayList<>();
    private Text selectedText;
    private final EntropyLine entropy;

    /** The message the entropy line shows: the selected token's, else the last one with steps; -1 for none. */
    private int entropyMessage() {
        StepRef r = selected.get();
        if (r != null && r.message() < vm.messages().size() && !vm.messages().get(r.message()).steps().isEmpty()) {
            return r.message();
        }
        for (int i = vm.messages().size() - 1; i >= 0; i--) {
            if (!vm.messages().get(i).steps().isEmpty()) {
                return i;
            }
        }
        return -1;
    }

    private void showEntropy() {
        int m = entropyMessage();
        StepRef r = selected.get();
        entropy.show(m < 0 ? List.of() : vm.messages().get(m).steps(), r != null && r.message() == m ? r.step() : -1);
    }

    /** Underlines the selected token (wherever the selection came from). */
    private void markSelected() {
        if (entropy != null) {
            showEntropy();
        }
        if (selectedText != null) {
            selectedText.getStyleClass().remove("token-selected");
            selectedText = null;
        }
        StepRef r = selected.get();
        if (r != null && list.lookup("#token-" + r.message() + "-" + r.step()) instanceof Text t) {
            selectedText = t;
            t.getStyleClass().add("token-selected");
        }
    }

    /**
     * @param selected the token the inspector shows (set by a click here, or by the view models)
     * @param onSelect told when a token is clicked (the window brings the inspector forward)
     */
    ChatView(ChatViewModel vm, AttentionViewModel attention, ObjectProperty<StepRef> selected, Runnable onSelect) {
        this.vm = vm;
        this.attention = attention;
        this.selected = selected;
        this.onSelect = onSelect;
        selected.addListener((o, a, b) -> markSelected());
        list.setPadding(new Insets(10));
        scroll.setFitToWidth(true);
        scroll.setId("chat-scroll");
        setCenter(scroll);
        setMinWidth(INPUT_MIN_WIDTH + 96 + 8 + 16 + 6); // the message box, the buttons, gaps and padding

        TextArea input = new TextArea();
        input.setId("chat-input");
        input.setPrefRowCount(3);
        input.setWrapText(true);
        input.setMinWidth(INPUT_MIN_WIDTH);
        input.setPromptText("Write a message (Ctrl+Enter sends, Esc stops)");
        input.textProperty().bindBidirectional(vm.input);
        Button send = button("Send", "send", "Send the message (Ctrl+Enter)", vm::send);
        Button stop = button("Stop", "stop", "Stop generating (Esc)", vm::stop);
        Button again = button("Regenerate", "regenerate", "Generate the last reply again", vm::regenerate);
        send.disableProperty().bind(vm.generatingProperty());
        stop.disableProperty().bind(vm.generatingProperty().not());
        again.disableProperty().bind(vm.generatingProperty());
        HBox.setHgrow(input, Priority.ALWAYS);
        VBox buttons = new VBox(4, send, stop, again);
        buttons.setMinWidth(96);
        buttons.setPrefWidth(96);
        HBox bottom = new HBox(8, input, buttons);
        entropy = new EntropyLine(step -> {
            int m = entropyMessage();
            if (m >= 0) {
                selected.set(new StepRef(m, step));
                onSelect.run();
            }
        });
        VBox below = new VBox(4, entropy, bottom);
        below.setPadding(new Insets(8));
        setBottom(below);

        empty.getStyleClass().add("placeholder");
        empty.setWrapText(true);
        empty.setId("chat-placeholder");
        empty.textProperty().bind(vm.placeholderProperty());
        list.getChildren().add(empty);
        vm.messages().addListener((ListChangeListener<MessageItem>) c -> rebuild());
        attention.chatHighlights().addListener((ListChangeListener<TokenSpan>) c -> highlight());
    }

    private static Button button(String text, String id, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        b.setMaxWidth(Double.MAX_VALUE);
        b.setMinWidth(Region.USE_PREF_SIZE);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    private void rebuild() {
        list.getChildren().clear();
        bubbles.clear();
        if (vm.messages().isEmpty()) {
            list.getChildren().add(empty);
        }
        for (int i = 0; i < vm.messages().size(); i++) {
            Bubble b = new Bubble(i, vm.messages().get(i));
            bubbles.add(b);
            list.getChildren().add(b.box);
        }
        highlight();
        markSelected();
        scroll.setVvalue(1.0);
    }

    /** Lights up the characters the attention view points at, and scrolls to the first. */
    private void highlight() {
        List<TokenSpan> spans = attention.chatHighlights();
        Bubble first = null;
        for (Bubble b : bubbles) {
            List<int[]> ranges = new ArrayList<>();
            for (TokenSpan s : spans) {
                if (s.message() == b.index && s.end() > s.start()) {
                    ranges.add(new int[] {s.start(), s.end()});
                }
            }
            b.highlight(ranges);
            if (first == null && !ranges.isEmpty()) {
                first = b;
            }
        }
        if (first != null) {
            reveal(first.box);
        }
    }

    private void reveal(Node node) {
        double content = list.getHeight() - scroll.getViewportBounds().getHeight();
        if (content <= 0) {
            return;
        }
        double y = node.getBoundsInParent().getMinY();
        double top = scroll.getVvalue() * content;
        if (y < top || y > top + scroll.getViewportBounds().getHeight() - 20) {
            scroll.setVvalue(Math.max(0, Math.min(1, (y - 20) / content)));
        }
    }

    /** The characters of the chat shown as highlighted (for tests): message index to ranges. */
    List<int[]> highlighted(int message) {
        return message < bubbles.size() ? bubbles.get(message).ranges : List.of();
    }

    /** One message: its text flow, and behind it a layer for highlighted characters. */
    private final class Bubble {
        final int index;
        final VBox box = new VBox(4);
        final TextFlow flow = new TextFlow();
        final Pane layer = new Pane();
        List<int[]> ranges = List.of();

        Bubble(int index, MessageItem m) {
            this.index = index;
            box.getStyleClass().addAll("message", m.role());
            box.setId("message-" + index);
            Label role = new Label(m.role().equals("user") ? "YOU" : "MODEL");
            role.getStyleClass().add("message-role");
            layer.setMouseTransparent(true);
            layer.setManaged(false);
            StackPane text = new StackPane(layer, flow);
            text.setAlignment(Pos.TOP_LEFT);
            flow.layoutBoundsProperty().addListener((o, a, b) -> paint());
            if (m.role().equals("user")) {
                Text t = new Text(m.text());
                t.getStyleClass().addAll("chat-text", "user-text");
                flow.getChildren().add(t);
                // A word of your own: its token, for the attention views.
                flow.setOnMouseClicked(e -> {
                    int at = flow.hitTest(new Point2D(e.getX(), e.getY())).getCharIndex();
                    if (at >= 0 && at < m.text().length()) {
                        attention.selectInChat(index, at, at + 1);
                    }
                });
                Button edit = new Button("Edit");
                edit.setId("edit-" + index);
                edit.setOnAction(e -> {
                    TextInputDialog d = new TextInputDialog(m.text());
                    d.setHeaderText("Edit the message and send it again");
                    d.showAndWait().ifPresent(text2 -> vm.edit(index, text2));
                });
                box.getChildren().addAll(new HBox(8, role, edit), text);
            } else {
                int[] offset = {0};
                for (int s = 0; s < m.steps().size(); s++) {
                    flow.getChildren().add(token(index, s, m.steps().get(s), offset));
                }
                if (m.steps().isEmpty() && !m.text().isEmpty()) {
                    flow.getChildren().add(new Text(m.text()));
                }
                m.steps().addListener((ListChangeListener<Step>) c -> {
                    showEntropy();
                    while (c.next()) {
                        if (c.wasRemoved()) { // a reply replaced as a whole: draw it again
                            flow.getChildren().clear();
                            offset[0] = 0;
                            for (int s = 0; s < m.steps().size(); s++) {
                                flow.getChildren().add(token(index, s, m.steps().get(s), offset));
                            }
                            return;
                        }
                        for (int s = c.getFrom(); s < c.getTo(); s++) { // tokens streaming in
                            flow.getChildren().add(token(index, s, m.steps().get(s), offset));
                        }
                        scroll.setVvalue(1.0);
                    }
                });
                Button copy = new Button("Copy");
                copy.setId("copy-" + index);
                copy.setOnAction(e -> {
                    ClipboardContent c = new ClipboardContent();
                    c.putString(m.text());
                    Clipboard.getSystemClipboard().setContent(c);
                });
                box.getChildren().addAll(new HBox(8, role, copy), text);
            }
        }

        void highlight(List<int[]> r) {
            ranges = r;
            paint();
        }

        private void paint() {
            layer.getChildren().clear();
            for (int[] r : ranges) {
                Path p = new Path(flow.rangeShape(r[0], r[1]));
                p.getStyleClass().add("token-link");
                layer.getChildren().add(p);
            }
        }

        private Text token(int message, int step, Step s, int[] offset) {
            Text t = new Text(s.text());
            t.getStyleClass().add("chat-text");
            t.setId("token-" + message + "-" + step);
            t.setFill(Colors.probability(s.p()));
            Tooltip.install(t, new Tooltip(String.format("p %.3f, rank %d — click to inspect", s.p(), s.rank())));
            int from = offset[0];
            int to = from + s.text().length();
            offset[0] = to;
            t.setOnMouseClicked(e -> {
                selected.set(new StepRef(message, step));
                onSelect.run();
                attention.selectInChat(message, from, Math.max(to, from + 1));
            });
            return t;
        }
    }
}
