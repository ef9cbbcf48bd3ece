package org.llmexplorer.app.view;

import java.util.function.IntConsumer;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.paint.Color;
import javafx.util.Duration;

/**
 * A query-by-key grid: attention weights (or a mask's connectivity) drawn as coloured cells,
 * forbidden cells grey; hovering shows the query, the key and the weight.
 */
final class HeatmapCanvas extends Canvas {
    private float[][] weights;
    private boolean[][] allowed;
    private String[] tokens;
    private final Tooltip tip = new Tooltip();

    HeatmapCanvas(double size) {
        super(size, size);
        tip.setShowDelay(Duration.millis(80));
        Tooltip.install(this, tip);
        setOnMouseMoved(e -> {
            int n = n();
            if (n == 0) {
                return;
            }
            int j = (int) (e.getX() / getWidth() * n);
            int i = (int) (e.getY() / getHeight() * n);
            if (i < 0 || j < 0 || i >= n || j >= n) {
                return;
            }
            String q = tokens == null ? "" : " '" + tokens[i].replace("\n", "\\n") + "'";
            String k = tokens == null ? "" : " '" + tokens[j].replace("\n", "\\n") + "'";
            String value = allowed != null && !allowed[i][j] ? "masked"
                    : weights != null ? String.format("%.4f", weights[i][j]) : "allowed";
            tip.setText("query " + i + q + "\nkey " + j + k + "\n" + value);
        });
    }

    private int n() {
        return weights != null ? weights.length : allowed != null ? allowed.length : 0;
    }

    /** Shows weights (may be null for a pure mask) under a connectivity matrix (may be null). */
    void show(float[][] w, boolean[][] a, String[] labels) {
        this.weights = w;
        this.allowed = a;
        this.tokens = labels;
        draw();
    }

    void onClick(IntConsumer action) {
        setOnMouseClicked(e -> action.accept(0));
    }

    private void draw() {
        GraphicsContext g = getGraphicsContext2D();
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, getWidth(), getHeight());
        int n = n();
        if (n == 0) {
            return;
        }
        double cell = getWidth() / n;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean ok = allowed == null || allowed[i][j];
                Color c = !ok ? Colors.MASKED : weights != null ? Colors.weight(weights[i][j]) : Colors.weight(1.0);
                g.setFill(c);
                g.fillRect(j * cell, i * cell, Math.ceil(cell), Math.ceil(cell));
            }
        }
    }

    float[][] weights() {
        return weights;
    }
}
