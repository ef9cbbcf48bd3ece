package org.llmexplorer.engine.attention;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Attention weights as a PNG heatmap: row = query, column = key, colour from dark blue (0)
 * through green to yellow (the row's largest weights), cells the mask forbids in light grey.
 */
public final class HeatmapImage {
    private HeatmapImage() {
    }

    public static BufferedImage render(float[][] weights, boolean[][] allowed) {
        int n = weights.length;
        int cell = Math.max(2, Math.min(24, 768 / Math.max(1, n)));
        BufferedImage img = new BufferedImage(n * cell, n * cell, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int rgb = allowed != null && !allowed[i][j] ? 0xDDDDDD : colour(weights[i][j]);
                for (int y = 0; y < cell; y++) {
                    for (int x = 0; x < cell; x++) {
                        img.setRGB(j * cell + x, i * cell + y, rgb);
                    }
                }
            }
        }
        return img;
    }

    public static void write(float[][] weights, boolean[][] allowed, Path png) throws IOException {
        ImageIO.write(render(weights, allowed), "png", png.toFile());
    }

    /** A perceptually ordered ramp (dark blue, teal, green, yellow); sqrt brings out small weights. */
    static int colour(float w) {
        float t = (float) Math.sqrt(Math.max(0f, Math.min(1f, w)));
        float[][] stops = {{0.27f, 0.00f, 0.33f}, {0.13f, 0.57f, 0.55f}, {0.48f, 0.82f, 0.32f}, {0.99f, 0.91f, 0.14f}};
        float pos = t * (stops.length - 1);
        int k = Math.min(stops.length - 2, (int) pos);
        float f = pos - k;
        float r = stops[k][0] + f * (stops[k + 1][0] - stops[k][0]);
        float g = stops[k][1] + f * (stops[k + 1][1] - stops[k][1]);
        float b = stops[k][2] + f * (stops[k + 1][2] - stops[k][2]);
        return new Color(r, g, b).getRGB() & 0xFFFFFF;
    }
}
