package org.llmexplorer.app.view;

import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.layout.Pane;
import javafx.scene.layout.VBox;
import javafx.scene.paint.Color;
import org.llmexplorer.engine.session.Step;

/**
 * A sparkline under the chat: the entropy of the model's distribution at each token of a reply,
 * high where the model was unsure. The selected token is marked; a click selects the token under
 * the pointer. Hidden when the reply has no entropies (a remote engine's, an old saved chat's).
 */
final class EntropyLine extends VBox {
    private static final double MIN_AXIS_BITS = 1.0;
    private final Canvas canvas = new Canvas(10, 28);
    private final Label label = new Label();
    private List<Step> steps = List.of();
    private int selected = -1;

    EntropyLine(IntConsumer onClick) {
        super(1);
        setId("entropy-line");
        Pane holder = new Pane(canvas);
        holder.setMinWidth(40);
        holder.setPrefHeight(28);
        canvas.widthProperty().bind(holder.widthProperty());
        canvas.widthProperty().addListener((o, a, b) -> draw());
        label.setStyle("-fx-font-size: 11px;");
        label.setWrapText(true);
        javafx.scene.control.Tooltip.install(this, new javafx.scene.control.Tooltip("The entropy of the model's "
                + "distribution at each token of the reply: high where it was unsure. Click to pick a token."));
        label.getStyleClass().add("placeholder");
        getChildren().addAll(holder, label);
        setVisible(false); // until a reply with entropies is shown
        setManaged(false);
        canvas.setOnMouseClicked(e -> {
            if (!steps.isEmpty()) {
                onClick.accept((int) Math.min(steps.size() - 1, Math.floor(e.getX() / step())));
            }
        });
    }

    /** Shows a reply's steps with one of them (-1: none) marked. */
    void show(List<Step> replySteps, int selectedStep) {
        steps = replySteps.stream().anyMatch(s -> s.entropy() != null) ? List.copyOf(replySteps) : List.of();
        selected = selectedStep;
        setVisible(!steps.isEmpty());
        setManaged(!steps.isEmpty());
        draw();
    }

    private double step() {
        return canvas.getWidth() / Math.max(1, steps.size());
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        if (steps.isEmpty()) {
            return;
        }
        double max = 0;
        for (Step s : steps) {
            max = Math.max(max, s.entropy() == null ? 0 : s.entropy());
        }
        // The axis spans at least one bit: a reply the model was sure of all along stays a flat line
        // at the bottom instead of its hundredths of a bit filling the height.
        double scale = (h - 4) / Math.max(MIN_AXIS_BITS, max);
        double dx = step();
        if (selected >= 0 && selected < steps.size()) {
            g.setFill(Color.web("#FFE58A"));
            g.fillRect(selected * dx, 0, Math.max(2, dx), h);
        }
        g.setStroke(Color.web("#1F5FBF"));
        g.setLineWidth(1.5);
        g.beginPath();
        for (int i = 0; i < steps.size(); i++) {
            Double e = steps.get(i).entropy();
            double y = h - 2 - (e == null ? 0 : e) * scale;
            double x = (i + 0.5) * dx;
            if (i == 0) {
                g.moveTo(x, y);
            } else {
                g.lineTo(x, y);
            }
        }
        g.stroke();
        Step s = selected >= 0 && selected < steps.size() ? steps.get(selected) : null;
        label.setText(s != null && s.entropy() != null
                ? String.format(Locale.ROOT, "entropy at '%s': %.2f bits (max %.1f)", s.text().strip(), s.entropy(), max)
                : String.format(Locale.ROOT, "entropy per token, bits (max %.1f)", max));
    }
}
