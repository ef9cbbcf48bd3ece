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

    private static final double[][] STOPS = {{0.27, 0.00, 0.33}, {0.13, 0.57, 0.55}, {0.48, 0.82, 0.32}, {0.99, 0.91, 0.14}};
    /** The weight scale at 1024 steps of sqrt(weight), as ARGB, for painting thousands of cells. */
    private static final int[] LUT = new int[1025];

    static {
        for (int k = 0; k <= 1024; k++) {
            Color c = scale(k / 1024.0);
            LUT[k] = argb(c);
        }
    }

    /** Attention weights: dark purple (0) through teal and green to yellow (1); sqrt shows small weights. */
    static Color weight(double w) {
        return scale(Math.sqrt(Math.max(0, Math.min(1, w))));
    }

    static int weightArgb(double w) {
        return LUT[(int) Math.round(Math.sqrt(Math.max(0, Math.min(1, w))) * 1024)];
    }

    private static Color scale(double t) {
        double pos = t * (STOPS.length - 1);
        int k = Math.min(STOPS.length - 2, (int) pos);
        double f = pos - k;
        return Color.color(STOPS[k][0] + f * (STOPS[k + 1][0] - STOPS[k][0]),
                STOPS[k][1] + f * (STOPS[k + 1][1] - STOPS[k][1]),
                STOPS[k][2] + f * (STOPS[k + 1][2] - STOPS[k][2]));
    }

    static int argb(Color c) {
        return (int) Math.round(c.getOpacity() * 255) << 24 | (int) Math.round(c.getRed() * 255) << 16
                | (int) Math.round(c.getGreen() * 255) << 8 | (int) Math.round(c.getBlue() * 255);
    }

    static final Color MASKED = Color.web("#d9dce1");
    static final int MASKED_ARGB = argb(MASKED);
    /** A cell a mask allows, drawn without weights (the connectivity matrix). */
    static final Color ALLOWED = Color.web("#2a8c8c");
    static final int ALLOWED_ARGB = argb(ALLOWED);
}
