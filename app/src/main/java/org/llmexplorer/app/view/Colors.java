package org.llmexplorer.app.view;

import javafx.scene.paint.Color;

/** Colour scales of the views. */
final class Colors {
    private Colors() {
    }

    /** A token coloured by the probability the model gave it: red (surprising) to green (expected). */
    static Color probability(double p) {
        double t = Math.max(0, Math.min(1, p));
        return Color.hsb(t * 120, 0.75, 0.72);
    }

    /** Attention weights: dark purple (0) through teal and green to yellow (1); sqrt shows small weights. */
    static Color weight(double w) {
        double t = Math.sqrt(Math.max(0, Math.min(1, w)));
        double[][] stops = {{0.27, 0.00, 0.33}, {0.13, 0.57, 0.55}, {0.48, 0.82, 0.32}, {0.99, 0.91, 0.14}};
        double pos = t * (stops.length - 1);
        int k = Math.min(stops.length - 2, (int) pos);
        double f = pos - k;
        return Color.color(stops[k][0] + f * (stops[k + 1][0] - stops[k][0]),
                stops[k][1] + f * (stops[k + 1][1] - stops[k][1]),
                stops[k][2] + f * (stops[k + 1][2] - stops[k][2]));
    }

    static final Color MASKED = Color.web("#d9dce1");
}
