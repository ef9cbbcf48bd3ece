package org.llmexplorer.app.view;

import java.util.function.BiConsumer;
import java.util.function.IntConsumer;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.scene.text.TextAlignment;

/**
 * A query-by-key grid of attention weights (or of a mask's connectivity) that one can read: key
 * tokens along the top, query tokens down the side whenever they fit, a colour scale with its
 * numbers, a crosshair that follows the mouse (query, key and weight in {@link #cellUnderMouseProperty}),
 * zoom with the mouse wheel, pan by dragging, fit to view with a double click. A selected token
 * lights up its row and column; a selected cell its row, column and itself. The cells are one
 * pixel each in an image that is scaled, so zooming and panning cost the same for any size.
 */
final class HeatmapView extends Region {
    private static final double SCALE_WIDTH = 58;
    private static final Color ACCENT = Color.web("#ff6d00");

    private final Canvas canvas = new Canvas();
    private final boolean withLabels;
    private float[][] weights;
    private boolean[][] allowed;
    private String[] labels = new String[0];
    private WritableImage cells;
    private int n;
    private boolean stale;

    /** Cells per pixel: 0 means fit to view. */
    private double cellSize;
    /** The cell at the grid's top-left corner (fractional while panning). */
    private double originX;
    private double originY;
    private int hoverI = -1;
    private int hoverJ = -1;
    private int selectedToken = -1;
    private int cellQuery = -1;
    private int cellKey = -1;
    private double pressX;
    private double pressY;
    private boolean dragged;
    private final ReadOnlyStringWrapper hover = new ReadOnlyStringWrapper("");
    private BiConsumer<Integer, Integer> onCell = (i, j) -> { };
    private IntConsumer onToken = i -> { };

    /** @param withLabels token labels and a colour scale (false: a bare thumbnail) */
    HeatmapView(boolean withLabels) {
        this.withLabels = withLabels;
        getChildren().add(canvas);
        getStyleClass().add("heatmap");
        if (!withLabels) {
            return;
        }
        setOnScroll(e -> {
            if (n == 0 || e.getDeltaY() == 0) {
                return;
            }
            double cell = cell();
            double cx = (e.getX() - left()) / cell + originX;
            double cy = (e.getY() - top()) / cell + originY;
            double next = Math.max(fitCell(), Math.min(64, cell * (e.getDeltaY() > 0 ? 1.2 : 1 / 1.2)));
            cellSize = next <= fitCell() * 1.0001 ? 0 : next;
            originX = cellSize == 0 ? 0 : cx - (e.getX() - left()) / next;
            originY = cellSize == 0 ? 0 : cy - (e.getY() - top()) / next;
            clampOrigin();
            draw();
            e.consume();
        });
        setOnMousePressed(e -> {
            pressX = e.getX();
            pressY = e.getY();
            dragged = false;
        });
        setOnMouseDragged(e -> {
            double dx = e.getX() - pressX;
            double dy = e.getY() - pressY;
            if (!dragged && Math.hypot(dx, dy) < 4) {
                return;
            }
            dragged = true;
            double cell = cell();
            originX -= dx / cell;
            originY -= dy / cell;
            pressX = e.getX();
            pressY = e.getY();
            clampOrigin();
            draw();
        });
        setOnMouseClicked(e -> {
            if (dragged || e.getButton() != MouseButton.PRIMARY || n == 0) {
                return;
            }
            if (e.getClickCount() == 2) {
                fit();
                return;
            }
            int i = rowAt(e.getY());
            int j = colAt(e.getX());
            if (i >= 0 && j >= 0) {
                onCell.accept(i, j);
            } else if (i >= 0 && e.getX() < left()) {
                onToken.accept(i);
            } else if (j >= 0 && e.getY() < top()) {
                onToken.accept(j);
            }
        });
        setOnMouseMoved(e -> hoverAt(rowAt(e.getY()), colAt(e.getX())));
        setOnMouseExited(e -> hoverAt(-1, -1));
    }

    /** Shows weights (null for a pure mask) under a connectivity matrix (null: everything allowed). */
    void show(float[][] w, boolean[][] a, String[] tokenLabels) {
        int size = w != null ? w.length : a != null ? a.length : 0;
        if (size != n) {
            cellSize = 0;
            originX = 0;
            originY = 0;
        }
        weights = w;
        allowed = a;
        n = size;
        labels = tokenLabels == null || tokenLabels.length != size ? new String[size] : tokenLabels;
        cells = n == 0 ? null : paint(w, a, n);
        if (hoverI >= n || hoverJ >= n) {
            hoverI = -1;
            hoverJ = -1;
        }
        draw();
    }

    /** The image of the cells, one pixel each. */
    static WritableImage paint(float[][] w, boolean[][] a, int n) {
        int[] argb = new int[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean ok = a == null || a[i][j];
                argb[i * n + j] = !ok ? Colors.MASKED_ARGB : w != null ? Colors.weightArgb(w[i][j]) : Colors.ALLOWED_ARGB;
            }
        }
        WritableImage img = new WritableImage(n, n);
        img.getPixelWriter().setPixels(0, 0, n, n, PixelFormat.getIntArgbInstance(), argb, 0, n);
        return img;
    }

    /** While true, the weights shown are those of an earlier setting: a badge says they are being recomputed. */
    void stale(boolean s) {
        if (s != stale) {
            stale = s;
            draw();
        }
    }

    void select(int token, int query, int key) {
        selectedToken = token;
        cellQuery = query;
        cellKey = key;
        if (token >= 0) {
            reveal(token, token);
        } else if (query >= 0) {
            reveal(query, key);
        }
        draw();
    }

    void onCell(BiConsumer<Integer, Integer> action) {
        onCell = action;
    }

    void onToken(IntConsumer action) {
        onToken = action;
    }

    /** What the mouse is over: "query 12 'cat' → key 3 'The': 0.2314". */
    ReadOnlyStringProperty cellUnderMouseProperty() {
        return hover.getReadOnlyProperty();
    }

    void fit() {
        cellSize = 0;
        originX = 0;
        originY = 0;
        draw();
    }

    void zoom(double factor) {
        if (n == 0) {
            return;
        }
        double cell = cell();
        double cx = originX + gridW() / cell / 2;
        double cy = originY + gridH() / cell / 2;
        double next = Math.max(fitCell(), Math.min(64, cell * factor));
        cellSize = next <= fitCell() * 1.0001 ? 0 : next;
        originX = cellSize == 0 ? 0 : cx - gridW() / next / 2;
        originY = cellSize == 0 ? 0 : cy - gridH() / next / 2;
        clampOrigin();
        draw();
    }

    int selectedToken() {
        return selectedToken;
    }

    int cellQuery() {
        return cellQuery;
    }

    float[][] weights() {
        return weights;
    }

    boolean[][] allowed() {
        return allowed;
    }

    /** The pixel size of one cell now (for tests: labels are drawn from 7 px up). */
    double cellPixels() {
        return cell();
    }

    boolean labelsShown() {
        return withLabels && cell() >= 7;
    }

    // --- geometry -------------------------------------------------------------------------------

    /** Room for the axis labels: as long as the longest label needs (within bounds), less for index numbers. */
    private double labelSpace() {
        if (!withLabels) {
            return 0;
        }
        double fit = n == 0 ? 1 : Math.min(getWidth() - 40 - SCALE_WIDTH, getHeight() - 40) / n;
        if (Math.max(cellSize, fit) < 7) {
            return 30;
        }
        int longest = 1;
        for (String l : labels) {
            longest = Math.max(longest, shown(l).length());
        }
        return Math.min(Math.min(84, getWidth() * 0.18), Math.max(30, 8 + longest * 7.0));
    }

    private double left() {
        return labelSpace();
    }

    private double top() {
        return labelSpace();
    }

    private double gridW() {
        return Math.max(1, getWidth() - left() - (withLabels ? SCALE_WIDTH : 0));
    }

    private double gridH() {
        return Math.max(1, getHeight() - top() - (withLabels ? 4 : 0));
    }

    private double fitCell() {
        return n == 0 ? 1 : Math.min(gridW(), gridH()) / n;
    }

    private double cell() {
        return cellSize == 0 ? fitCell() : cellSize;
    }

    private void clampOrigin() {
        double cell = cell();
        originX = Math.max(0, Math.min(originX, n - gridW() / cell));
        originY = Math.max(0, Math.min(originY, n - gridH() / cell));
        originX = Math.max(0, originX);
        originY = Math.max(0, originY);
    }

    /** Pans so that cell (i, j) is in view. */
    private void reveal(int i, int j) {
        double cell = cell();
        double visW = gridW() / cell;
        double visH = gridH() / cell;
        if (j < originX || j >= originX + visW) {
            originX = j - visW / 2;
        }
        if (i < originY || i >= originY + visH) {
            originY = i - visH / 2;
        }
        clampOrigin();
    }

    private int rowAt(double y) {
        if (y < top()) {
            return -1;
        }
        int i = (int) Math.floor((y - top()) / cell() + originY);
        return i >= 0 && i < n && y - top() < Math.min(gridH(), (n - originY) * cell()) ? i : -1;
    }

    private int colAt(double x) {
        if (x < left()) {
            return -1;
        }
        int j = (int) Math.floor((x - left()) / cell() + originX);
        return j >= 0 && j < n && x - left() < Math.min(gridW(), (n - originX) * cell()) ? j : -1;
    }

    private void hoverAt(int i, int j) {
        if (i == hoverI && j == hoverJ) {
            return;
        }
        hoverI = i;
        hoverJ = j;
        if (i >= 0 && j >= 0) {
            String value = allowed != null && !allowed[i][j] ? "masked"
                    : weights != null ? String.format("%.4f", weights[i][j]) : "allowed";
            hover.set("query " + i + " " + quote(i) + " → key " + j + " " + quote(j) + ": " + value);
        } else {
            hover.set("");
        }
        draw();
    }

    private String quote(int i) {
        return "'" + shown(labels[i]) + "'";
    }

    /** A token as a label: line breaks and tabs made visible. */
    static String shown(String s) {
        return s == null ? "" : s.replace("\n", "↵").replace("\t", "⇥").replace("\r", "");
    }

    @Override
    protected void layoutChildren() {
        canvas.setWidth(getWidth());
        canvas.setHeight(getHeight());
        clampOrigin();
        draw();
    }

    @Override
    protected double computePrefWidth(double height) {
        return withLabels ? 420 : 110;
    }

    @Override
    protected double computePrefHeight(double width) {
        return withLabels ? 360 : 110;
    }

    @Override
    protected double computeMinWidth(double height) {
        return withLabels ? 160 : 40;
    }

    @Override
    protected double computeMinHeight(double width) {
        return withLabels ? 140 : 40;
    }

    // --- drawing ----------------------------------------------------------------------------------

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        if (n == 0 || cells == null) {
            if (withLabels) {
                g.setFill(Color.GRAY);
                g.setFont(Font.font(12));
                g.setTextAlign(TextAlignment.LEFT);
                g.setTextBaseline(VPos.TOP);
                g.fillText("no weights yet: send a message, or open a chat", 8, 8);
            }
            return;
        }
        double cell = cell();
        double x0 = left();
        double y0 = top();
        double visCols = Math.min(n - originX, gridW() / cell);
        double visRows = Math.min(n - originY, gridH() / cell);
        g.setImageSmoothing(false);
        g.drawImage(cells, originX, originY, visCols, visRows, x0, y0, visCols * cell, visRows * cell);
        int firstCol = (int) Math.floor(originX);
        int lastCol = (int) Math.min(n - 1, Math.ceil(originX + visCols) - 1);
        int firstRow = (int) Math.floor(originY);
        int lastRow = (int) Math.min(n - 1, Math.ceil(originY + visRows) - 1);
        g.save();
        g.beginPath();
        g.rect(x0, y0, visCols * cell, visRows * cell);
        g.clip();
        if (cell >= 10) { // cell borders, once cells are big enough to tell apart
            g.setStroke(Color.rgb(255, 255, 255, 0.25));
            g.setLineWidth(1);
            for (int j = firstCol; j <= lastCol + 1; j++) {
                double x = x0 + (j - originX) * cell;
                g.strokeLine(x, y0, x, y0 + visRows * cell);
            }
            for (int i = firstRow; i <= lastRow + 1; i++) {
                double y = y0 + (i - originY) * cell;
                g.strokeLine(x0, y, x0 + visCols * cell, y);
            }
        }
        g.setLineWidth(Math.max(1.5, Math.min(3, cell / 6)));
        if (selectedToken >= 0) {
            band(g, selectedToken, true, ACCENT);
            band(g, selectedToken, false, ACCENT);
        }
        if (cellQuery >= 0 && cellKey >= 0) {
            band(g, cellQuery, true, Color.web("#2979ff"));
            band(g, cellKey, false, Color.web("#2979ff"));
            g.setStroke(Color.WHITE);
            g.strokeRect(x0 + (cellKey - originX) * cell, y0 + (cellQuery - originY) * cell, cell, cell);
        }
        if (hoverI >= 0 && hoverJ >= 0) { // the crosshair
            g.setStroke(Color.rgb(255, 255, 255, 0.8));
            g.setLineWidth(1);
            double cx = x0 + (hoverJ - originX + 0.5) * cell;
            double cy = y0 + (hoverI - originY + 0.5) * cell;
            g.strokeLine(x0, cy, cx - cell / 2, cy);
            g.strokeLine(cx, y0, cx, cy - cell / 2);
            g.strokeRect(cx - cell / 2, cy - cell / 2, cell, cell);
        }
        g.restore();
        if (stale) {
            g.setFill(Color.rgb(0, 0, 0, 0.55));
            g.fillRoundRect(x0 + 6, y0 + 6, 96, 20, 8, 8);
            g.setFill(Color.WHITE);
            g.setFont(Font.font(11));
            g.setTextAlign(TextAlignment.LEFT);
            g.setTextBaseline(VPos.CENTER);
            g.fillText("recomputing…", x0 + 14, y0 + 16);
        }
        if (withLabels) {
            drawLabels(g, cell, firstRow, lastRow, firstCol, lastCol);
            drawScale(g);
        }
    }

    /** Outlines a row (query) or a column (key). */
    private void band(GraphicsContext g, int index, boolean row, Color c) {
        double cell = cell();
        g.setStroke(c);
        if (row) {
            g.strokeRect(left(), top() + (index - originY) * cell, Math.min(gridW(), (n - originX) * cell), cell);
        } else {
            g.strokeRect(left() + (index - originX) * cell, top(), cell, Math.min(gridH(), (n - originY) * cell));
        }
    }

    private void drawLabels(GraphicsContext g, double cell, int firstRow, int lastRow, int firstCol, int lastCol) {
        double fontSize = Math.max(7, Math.min(12, cell * 0.8));
        // Every token when cells are tall enough for text, else every k-th, by its index.
        int every = cell >= 7 ? 1 : (int) Math.ceil(9 / cell);
        Font normal = Font.font("System", fontSize);
        Font bold = Font.font("System", FontWeight.BOLD, fontSize);
        double space = labelSpace() - 4;
        g.setTextBaseline(VPos.CENTER);
        for (int i = firstRow; i <= lastRow; i++) {
            boolean marked = i == selectedToken || i == cellQuery || i == hoverI;
            if (i % every != 0 && !marked) {
                continue;
            }
            g.setFont(marked ? bold : normal);
            g.setFill(marked ? (i == hoverI ? Color.web("#2979ff") : ACCENT) : Color.web("#555b66"));
            g.setTextAlign(TextAlignment.RIGHT);
            String text = every == 1 ? clip(shown(labels[i]), space, fontSize) : String.valueOf(i);
            g.fillText(text, left() - 4, top() + (i - originY + 0.5) * cell, space);
        }
        for (int j = firstCol; j <= lastCol; j++) {
            boolean marked = j == selectedToken || j == cellKey || j == hoverJ;
            if (j % every != 0 && !marked) {
                continue;
            }
            g.save();
            g.translate(left() + (j - originX + 0.5) * cell, top() - 4);
            g.rotate(-90);
            g.setFont(marked ? bold : normal);
            g.setFill(marked ? (j == hoverJ ? Color.web("#2979ff") : ACCENT) : Color.web("#555b66"));
            g.setTextAlign(TextAlignment.LEFT);
            String text = every == 1 ? clip(shown(labels[j]), space, fontSize) : String.valueOf(j);
            g.fillText(text, 0, 0, space);
            g.restore();
        }
        g.setFont(Font.font("System", 10));
        g.setFill(Color.GRAY);
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.TOP);
        g.fillText("query ↓  key →", 2, 2);
    }

    /** Shortens a label to about what fits (the canvas squeezes the rest). */
    private static String clip(String s, double width, double fontSize) {
        int max = (int) Math.max(3, width / (fontSize * 0.55));
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** The colour scale: weights 0 to 1 on the same square-root scale as the cells, with its numbers, and the masked colour. */
    private void drawScale(GraphicsContext g) {
        double x = getWidth() - SCALE_WIDTH + 8;
        double y0 = top();
        double hgt = Math.max(40, Math.min(gridH() - 40, 260));
        double bar = 12;
        for (int k = 0; k < hgt; k++) {
            double t = 1 - k / hgt; // top is 1
            g.setFill(Colors.weight(t * t));
            g.fillRect(x, y0 + k, bar, 1.5);
        }
        g.setStroke(Color.GRAY);
        g.setLineWidth(0.5);
        g.strokeRect(x, y0, bar, hgt);
        g.setFont(Font.font("System", 10));
        g.setFill(Color.web("#555b66"));
        g.setTextAlign(TextAlignment.LEFT);
        g.setTextBaseline(VPos.CENTER);
        for (double v : new double[] {1, 0.5, 0.2, 0.05, 0.01, 0}) {
            double yy = y0 + (1 - Math.sqrt(v)) * hgt;
            g.strokeLine(x + bar, yy, x + bar + 3, yy);
            g.fillText(v == 1 ? "1" : v == 0 ? "0" : String.valueOf(v).replaceFirst("^0", ""), x + bar + 5, yy);
        }
        g.setFill(Colors.MASKED);
        g.fillRect(x, y0 + hgt + 8, bar, bar);
        g.setFill(Color.web("#555b66"));
        g.fillText("masked", x - 2, y0 + hgt + 30);
    }
}
