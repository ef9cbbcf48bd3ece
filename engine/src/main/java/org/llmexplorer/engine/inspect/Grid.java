package org.llmexplorer.engine.inspect;

import java.util.List;

/**
 * A table of numbers with a word in each cell, as the deeper views show them: layers by positions
 * (logit lens, patching, residual norms) or layers by heads (knock-out sweep, head readings).
 * The same grid is drawn on screen, written as PNG ({@link GridImage}) and as CSV.
 *
 * @param values    values[row][column], what the colour shows (NaN: no value)
 * @param texts     texts[row][column], the word shown in the cell (may be empty)
 * @param diverging true when values run either side of zero (a drop that can be negative)
 */
public record Grid(String title, List<String> rows, List<String> columns, double[][] values, String[][] texts,
                   double min, double max, boolean diverging) {

    public Grid {
        if (values.length != rows.size() || texts.length != rows.size()) {
            throw new IllegalArgumentException("a grid of " + rows.size() + " rows has " + values.length + " rows of values");
        }
        rows = List.copyOf(rows);
        columns = List.copyOf(columns);
    }

    /** Where a value lies between min and max, 0..1 (for a diverging grid, 0.5 is zero). */
    public double shade(int row, int column) {
        double v = values[row][column];
        if (Double.isNaN(v)) {
            return Double.NaN;
        }
        if (diverging) {
            double m = Math.max(Math.abs(min), Math.abs(max));
            return m == 0 ? 0.5 : 0.5 + 0.5 * Math.max(-1, Math.min(1, v / m));
        }
        return max == min ? 0 : Math.max(0, Math.min(1, (v - min) / (max - min)));
    }

    /** One line per row: the row's label, then value and text of each cell, with a header of the columns. */
    public String csv() {
        StringBuilder sb = new StringBuilder("row");
        for (String c : columns) {
            sb.append(',').append(quote(c)).append(',').append(quote(c + " (text)"));
        }
        sb.append('\n');
        for (int r = 0; r < rows.size(); r++) {
            sb.append(quote(rows.get(r)));
            for (int c = 0; c < columns.size(); c++) {
                sb.append(',').append(Double.isNaN(values[r][c]) ? "" : values[r][c]).append(',').append(quote(texts[r][c]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String quote(String s) {
        if (s == null) {
            return "";
        }
        return s.matches("[^\",\\n\\r]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
