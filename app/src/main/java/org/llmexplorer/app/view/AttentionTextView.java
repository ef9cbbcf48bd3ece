package org.llmexplorer.app.view;

import java.util.function.IntConsumer;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Background;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.CornerRadii;
import javafx.scene.layout.FlowPane;
import javafx.scene.paint.Color;
import javafx.util.Duration;

/**
 * One query's attention drawn over the text (as bertviz's head view does): every token of the
 * conversation with a background as strong as the weight the query gives it. For when the matrix
 * is too big to read. Clicking a token makes it the query.
 */
final class AttentionTextView extends ScrollPane {
    private final FlowPane tokens = new FlowPane(1, 3);
    private IntConsumer onToken = i -> { };

    AttentionTextView() {
        setContent(tokens);
        setFitToWidth(true);
        tokens.setPadding(new Insets(8));
        tokens.setId("attention-text");
        getStyleClass().add("attention-text");
    }

    void onToken(IntConsumer action) {
        onToken = action;
    }

    /** Draws the text with the weights of row {@code query}. */
    void show(float[][] weights, boolean[][] allowed, String[] labels, int query) {
        tokens.getChildren().clear();
        if (weights == null || labels == null || labels.length == 0) {
            return;
        }
        int q = query < 0 || query >= labels.length ? labels.length - 1 : query;
        float max = 1e-9f; // shades relative to the row's largest weight, so the pattern shows in long rows too
        for (int j = 0; j < labels.length; j++) {
            max = Math.max(max, weights[q][j]);
        }
        Label caption = new Label("query " + q + " '" + HeatmapView.shown(labels[q]) + "' (outlined): shades relative to "
                + "its largest weight, " + String.format("%.3f", max) + "; click a token to make it the query");
        caption.getStyleClass().add("hint");
        caption.setWrapText(true);
        caption.prefWidthProperty().bind(widthProperty().subtract(30));
        tokens.getChildren().add(caption);
        for (int j = 0; j < labels.length; j++) {
            boolean ok = allowed == null || allowed[q][j];
            float w = ok ? weights[q][j] / max : 0;
            String text = labels[j].replace("\n", "↵").replace("\t", "⇥");
            Label l = new Label(text.isEmpty() ? "∅" : text);
            l.setId("attn-token-" + j);
            l.getStyleClass().add("attn-token");
            Color c = Colors.weight(w);
            l.setBackground(new Background(new BackgroundFill(ok ? c.deriveColor(0, 1, 1, 0.15 + 0.85 * Math.sqrt(w))
                    : Colors.MASKED, new CornerRadii(3), Insets.EMPTY)));
            l.setTextFill(Math.sqrt(w) > 0.55 || !ok ? Color.BLACK : w > 0.05 ? Color.WHITE : Color.web("#333"));
            if (j == q) {
                l.getStyleClass().add("attn-query");
            }
            Tooltip t = new Tooltip((j == q ? "the query itself" : "key " + j) + ": "
                    + (ok ? String.format("%.4f", weights[q][j]) : "masked") + "\nclick: make it the query");
            t.setShowDelay(Duration.millis(100));
            l.setTooltip(t);
            int index = j;
            l.setOnMouseClicked(e -> onToken.accept(index));
            tokens.getChildren().add(l);
        }
    }
}
