package org.llmexplorer.app.view;

import java.util.function.BiConsumer;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import org.llmexplorer.engine.inspect.Grid;
import org.llmexplorer.engine.inspect.GridImage;

/**
 * A {@link Grid} drawn cell by cell: row labels on the left, column labels on top, each cell
 * coloured as the PNG export colours it, with its word; the selected cell framed and its column
 * shaded. A click selects a cell. Sized to its content; put it in a scroll pane.
 */
final class GridCanvas extends Canvas {
    private static final double NARROW = 64;
    private static final double WIDE = 112; // few columns (the knock-out's two): room for word and number
    static final double CELL_H = 22;
    private static final double ROW_LABEL_MAX = 80;
    static final double HEADER = 34;
    private Grid grid;
    private int row = -1;
    private int column = -1;
    private double cellW = NARROW;
    private double rowLabel = ROW_LABEL_MAX;
    private double labelX; // the row labels stay in view: drawn where the scroll pane shows the left edge

    GridCanvas(BiConsumer<Integer, Integer> onClick) {
        setOnMouseClicked(e -> {
            if (grid == null) {
                return;
            }
            int c = (int) Math.floor((e.getX() - rowLabel) / cellW);
            int r = (int) Math.floor((e.getY() - HEADER) / CELL_H);
            if (e.getX() >= labelX + rowLabel && e.getX() >= rowLabel && e.getY() >= HEADER && r < grid.rows().size() && c < grid.columns().size()) {
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
        draw();
    }

    /** Moves the row labels to this x, the left edge of what the scroll pane shows. */
    void labelsAt(double x) {
        if (x != labelX) {
            labelX = x;
            draw();
        }
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
        if (grid == null) {
            setWidth(1);
            setHeight(1);
            getGraphicsContext2D().clearRect(0, 0, 1, 1);
            return;
        }
        int rows = grid.rows().size();
        int cols = grid.columns().size();
        setWidth(rowLabel + cols * cellW + 2);
        setHeight(HEADER + rows * CELL_H + 2);
        GraphicsContext g = getGraphicsContext2D();
        g.setFill(Color.WHITE);
        g.fillRect(0, 0, getWidth(), getHeight());
        g.setFont(Font.font(11));
        g.setTextBaseline(VPos.CENTER);
        g.setTextAlign(TextAlignment.LEFT);
        for (int c = 0; c < cols; c++) {
            double x = rowLabel + c * cellW;
            if (c == column) {
                g.setFill(Color.web("#FFF3C4"));
                g.fillRect(x, 0, cellW, HEADER);
            }
            g.setFill(Color.BLACK);
            g.fillText(grid.columns().get(c), x + 3, HEADER / 2, cellW - 6);
        }
        for (int r = 0; r < rows; r++) {
            double y = HEADER + r * CELL_H;
            for (int c = 0; c < cols; c++) {
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
        for (int r = 0; r <= rows; r++) {
            g.strokeLine(rowLabel, HEADER + r * CELL_H + 0.5, rowLabel + cols * cellW, HEADER + r * CELL_H + 0.5);
        }
        for (int c = 0; c <= cols; c++) {
            g.strokeLine(rowLabel + c * cellW + 0.5, HEADER, rowLabel + c * cellW + 0.5, HEADER + rows * CELL_H);
        }
        if (column >= 0 && column < cols) {
            g.setStroke(Color.web("#E0A800"));
            g.setLineWidth(2);
            g.strokeRect(rowLabel + column * cellW + 1, HEADER + 1, cellW - 2, rows * CELL_H - 2);
        }
        if (row >= 0 && row < rows && column >= 0 && column < cols) {
            g.setStroke(Color.BLACK);
            g.setLineWidth(2);
            g.strokeRect(rowLabel + column * cellW + 1, HEADER + row * CELL_H + 1, cellW - 2, CELL_H - 2);
        }
        g.setFill(Color.WHITE);
        g.fillRect(labelX, 0, rowLabel, HEADER + rows * CELL_H);
        for (int r = 0; r < rows; r++) {
            g.setFill(r == row ? Color.web("#1F5FBF") : Color.BLACK);
            g.fillText(grid.rows().get(r), labelX + 4, HEADER + r * CELL_H + CELL_H / 2, rowLabel - 8);
        }
    }
}
