package org.llmexplorer.app.view;

import java.util.function.BiConsumer;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.llmexplorer.engine.inspect.Grid;
import org.llmexplorer.engine.inspect.GridImage;

/**
 * A {@link Grid} drawn cell by cell: row labels on the left, column labels on top, each cell
 * coloured as the PNG export colours it, with its word; the selected cell framed and its column
 * shaded. A click selects a cell. The pane is as large as the whole grid (put it in a scroll
 * pane), but only the part in view is drawn, on a canvas the size of the view that follows the
 * scrolling: a grid of a long text would otherwise exceed the largest texture a GPU can hold.
 * The row labels stay at the view's left edge.
 */
final class GridCanvas extends Pane {
    private static final double NARROW = 64;
    private static final double WIDE = 112; // few columns (the knock-out's two): room for word and number
    static final double CELL_H = 22;
    private static final double ROW_LABEL_MAX = 80;
    static final double HEADER = 34;
    private final Canvas canvas = new Canvas(1, 1);
    private Grid grid;
    private int row = -1;
    private int column = -1;
    private double cellW = NARROW;
    private double rowLabel = ROW_LABEL_MAX;
    private double viewX; // the part in view: its left and top in grid coordinates, its size
    private double viewY;
    private double viewW = 400;
    private double viewH = 300;

    GridCanvas(BiConsumer<Integer, Integer> onClick) {
        getChildren().add(canvas);
        setOnMouseClicked(e -> {
            if (grid == null || e.getX() < viewX + rowLabel) { // the row labels are not cells
                return;
            }
            int c = (int) Math.floor((e.getX() - rowLabel) / cellW);
            int r = (int) Math.floor((e.getY() - HEADER) / CELL_H);
            if (e.getY() >= HEADER && r < grid.rows().size() && c < grid.columns().size()) {
                onClick.accept(r, c);
            }
        });
    }

    void show(Grid g, int selectedRow, int selectedColumn) {
        grid = g;
        cellW = g != null && g.columns().size() <= 4 ? WIDE : NARROW;
        int longest = g == null ? 0 : g.rows().stream().mapToInt(String::length).max().orElse(0);
        rowLabel = Math.min(ROW_LABEL_MAX, 12 + 7 * longest); // "#1" needs less room than "L3 (output)"
        row = selectedRow;
        column = selectedColumn;
        double w = g == null ? 1 : rowLabel + g.columns().size() * cellW + 2;
        double h = g == null ? 1 : HEADER + g.rows().size() * CELL_H + 2;
        setPrefSize(w, h);
        setMinSize(w, h);
        resize(w, h); // at once, not at the next layout: the scroll pane scrolls to the selection right after
        draw();
    }

    /** The part of the grid in view (from the scroll pane): where the canvas goes and what it draws. */
    void view(double x, double y, double w, double h) {
        viewX = Math.max(0, x);
        viewY = Math.max(0, y);
        viewW = Math.max(1, w);
        viewH = Math.max(1, h);
        draw();
    }

    double contentWidth() {
        return getPrefWidth();
    }

    double rowLabelWidth() {
        return rowLabel;
    }

    double cellWidth() {
        return cellW;
    }

    /** Where a cell's centre is, for tests and for scrolling it into view. */
    double[] centre(int r, int c) {
        return new double[] {rowLabel + (c + 0.5) * cellW, HEADER + (r + 0.5) * CELL_H};
    }

    private void draw() {
        double w = Math.min(viewW, Math.max(1, getPrefWidth() - viewX));
        double h = Math.min(viewH, Math.max(1, getPrefHeight() - viewY));
        canvas.setWidth(w);
        canvas.setHeight(h);
        canvas.relocate(viewX, viewY);
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.setTransform(1, 0, 0, 1, 0, 0);
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, w, h);
        if (grid == null) {
            return;
        }
        g.translate(-viewX, -viewY); // from here on, grid coordinates
        int rows = grid.rows().size();
        int cols = grid.columns().size();
        int c0 = Math.max(0, (int) Math.floor((viewX - rowLabel) / cellW));
        int c1 = Math.min(cols, (int) Math.ceil((viewX + w - rowLabel) / cellW) + 1);
        int r0 = Math.max(0, (int) Math.floor((viewY - HEADER) / CELL_H));
        int r1 = Math.min(rows, (int) Math.ceil((viewY + h - HEADER) / CELL_H) + 1);
        g.setFont(Font.font(11));
        g.setTextBaseline(VPos.CENTER);
        g.setTextAlign(TextAlignment.LEFT);
        for (int c = c0; c < c1; c++) {
            double x = rowLabel + c * cellW;
            if (c == column) {
                g.setFill(Color.web("#FFF3C4"));
                g.fillRect(x, 0, cellW, HEADER);
            }
            g.setFill(Color.BLACK);
            g.fillText(grid.columns().get(c), x + 3, HEADER / 2, cellW - 6);
        }
        for (int r = r0; r < r1; r++) {
            double y = HEADER + r * CELL_H;
            for (int c = c0; c < c1; c++) {
                double x = rowLabel + c * cellW;
                double shade = grid.shade(r, c);
                int rgb = GridImage.rgb(shade, grid.diverging());
                g.setFill(Color.rgb((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255));
                g.fillRect(x, y, cellW, CELL_H);
                boolean dark = !Double.isNaN(shade) && (grid.diverging() ? Math.abs(shade - 0.5) > 0.3 : shade > 0.6);
                g.setFill(dark ? Color.WHITE : Color.BLACK);
                g.fillText(grid.texts()[r][c], x + 3, y + CELL_H / 2, cellW - 6);
            }
        }
        g.setStroke(Color.web("#DDDDDD"));
        g.setLineWidth(1);
        for (int r = r0; r <= r1; r++) {
            g.strokeLine(rowLabel + c0 * cellW, HEADER + r * CELL_H + 0.5, rowLabel + c1 * cellW, HEADER + r * CELL_H + 0.5);
        }
        for (int c = c0; c <= c1; c++) {
            g.strokeLine(rowLabel + c * cellW + 0.5, HEADER + r0 * CELL_H, rowLabel + c * cellW + 0.5, HEADER + r1 * CELL_H);
        }
        if (column >= c0 && column < c1) {
            g.setStroke(Color.web("#E0A800"));
            g.setLineWidth(2);
            g.strokeRect(rowLabel + column * cellW + 1, HEADER + 1, cellW - 2, rows * CELL_H - 2);
        }
        if (row >= 0 && row < rows && column >= c0 && column < c1) {
            g.setStroke(Color.BLACK);
            g.setLineWidth(2);
            g.strokeRect(rowLabel + column * cellW + 1, HEADER + row * CELL_H + 1, cellW - 2, CELL_H - 2);
        }
        g.setFill(Color.WHITE); // the row labels, at the view's left edge
        g.fillRect(viewX, 0, rowLabel, HEADER + rows * CELL_H);
        for (int r = r0; r < r1; r++) {
            g.setFill(r == row ? Color.web("#1F5FBF") : Color.BLACK);
            g.fillText(grid.rows().get(r), viewX + 4, HEADER + r * CELL_H + CELL_H / 2, rowLabel - 8);
        }
    }
}
