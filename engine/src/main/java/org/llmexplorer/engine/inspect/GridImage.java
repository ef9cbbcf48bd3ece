package org.llmexplorer.engine.inspect;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** A {@link Grid} as a PNG picture: labelled rows and columns, each cell coloured by its value, with its word. */
public final class GridImage {
    private static final int CELL_W = 56;
    private static final int CELL_H = 22;

    private GridImage() {
    }

    /** The colour of a shade 0..1: white to blue, or red through white to blue for a diverging grid. */
    public static int rgb(double shade, boolean diverging) {
        if (Double.isNaN(shade)) {
            return 0xE6E6E6;
        }
        if (!diverging) {
            return mix(0xFFFFFF, 0x1F5FBF, shade);
        }
        return shade < 0.5 ? mix(0xC8372D, 0xFFFFFF, shade * 2) : mix(0xFFFFFF, 0x1F5FBF, (shade - 0.5) * 2);
    }

    private static int mix(int a, int b, double t) {
        int r = (int) Math.round(((a >> 16) & 255) * (1 - t) + ((b >> 16) & 255) * t);
        int g = (int) Math.round(((a >> 8) & 255) * (1 - t) + ((b >> 8) & 255) * t);
        int bl = (int) Math.round((a & 255) * (1 - t) + (b & 255) * t);
        return (r << 16) | (g << 8) | bl;
    }

    public static BufferedImage render(Grid grid) {
        int rowLabel = 90;
        int header = 40;
        int w = rowLabel + grid.columns().size() * CELL_W + 1;
        int h = header + grid.rows().size() * CELL_H + 1;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        g.setColor(Color.BLACK);
        g.drawString(grid.title(), 4, 14);
        for (int c = 0; c < grid.columns().size(); c++) {
            g.drawString(clip(grid.columns().get(c), fm, CELL_W - 4), rowLabel + c * CELL_W + 2, header - 6);
        }
        for (int r = 0; r < grid.rows().size(); r++) {
            int y = header + r * CELL_H;
            g.setColor(Color.BLACK);
            g.drawString(clip(grid.rows().get(r), fm, rowLabel - 6), 4, y + CELL_H - 7);
            for (int c = 0; c < grid.columns().size(); c++) {
                double shade = grid.shade(r, c);
                int x = rowLabel + c * CELL_W;
                g.setColor(new Color(rgb(shade, grid.diverging())));
                g.fillRect(x, y, CELL_W, CELL_H);
                g.setColor(new Color(0xCCCCCC));
                g.drawRect(x, y, CELL_W, CELL_H);
                boolean dark = !Double.isNaN(shade) && (grid.diverging() ? Math.abs(shade - 0.5) > 0.3 : shade > 0.6);
                g.setColor(dark ? Color.WHITE : Color.BLACK);
                g.drawString(clip(grid.texts()[r][c], fm, CELL_W - 4), x + 2, y + CELL_H - 7);
            }
        }
        g.dispose();
        return img;
    }

    private static String clip(String s, FontMetrics fm, int width) {
        if (s == null) {
            return "";
        }
        String t = s.replace("\n", "\\n");
        while (!t.isEmpty() && fm.stringWidth(t) > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    public static void write(Grid grid, Path png) throws IOException {
        if (!ImageIO.write(render(grid), "png", png.toFile())) {
            throw new IOException("no PNG writer in this Java runtime");
        }
    }
}
