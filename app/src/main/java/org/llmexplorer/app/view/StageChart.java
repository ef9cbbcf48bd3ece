package org.llmexplorer.app.view;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.shape.Rectangle;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * One step's distribution through the sampler chain at a glance: a row per candidate token, a
 * column per stage that changed something (the raw softmax first, what the draw samples from
 * last), each cell a bar as long as the token's probability there. A token a stage removed shows
 * a dash. The drawn token's row is marked, and so is the token the current settings would draw.
 * Clicking a row continues the reply with that token from this step.
 */
final class StageChart extends GridPane {
    static final int ROWS = 12;
    private static final Map<String, String> SHORT = Map.of("raw", "raw", "logit_bias", "bias", "penalties", "penalty",
            "top_k", "top-k", "typical_p", "typical", "top_p", "top-p", "min_p", "min-p", "temperature", "temp");

    private final Label unchanged = new Label();
    private IntConsumer onPick = id -> { };

    StageChart() {
        setHgap(4);
        setVgap(2);
        setPadding(new Insets(4, 0, 4, 0));
        setId("stage-chart");
        unchanged.getStyleClass().add("hint");
        unchanged.setWrapText(true);
    }

    void onPick(IntConsumer action) {
        onPick = action;
    }

    /** The line under the chart that names the stages that changed nothing. */
    Label unchangedLabel() {
        return unchanged;
    }

    /**
     * @param drawn   the token the step drew
     * @param would   the token the current settings would draw (-1: not known yet)
     * @param piece   a token's text
     */
    void show(List<StageReport> reports, int drawn, int would, IntFunction<String> piece) {
        show(reports, drawn, would, piece, "");
    }

    /** As above; {@code scope} says what the stages ran on when it is not the whole distribution. */
    void show(List<StageReport> reports, int drawn, int would, IntFunction<String> piece, String scope) {
        if (reports.isEmpty()) {
            getChildren().clear();
            shownRows = List.of();
            unchanged.setText("");
            return;
        }
        // The columns: raw, every stage that changed the distribution, and the last.
        List<StageReport> columns = new ArrayList<>();
        List<String> same = new ArrayList<>();
        StageReport previous = null;
        for (int k = 0; k < reports.size(); k++) {
            StageReport r = reports.get(k);
            boolean changed = previous == null || previous.survivors() != r.survivors()
                    || Math.abs(previous.entropyBits() - r.entropyBits()) > 1e-9;
            if (changed || k == reports.size() - 1) {
                columns.add(r);
            } else {
                same.add(SHORT.getOrDefault(r.stage(), r.stage()));
            }
            previous = r;
        }
        String note = same.isEmpty() ? "" : "no change: " + String.join(", ", same);
        unchanged.setText(scope.isEmpty() ? note : "stages " + scope + (note.isEmpty() ? "" : "; " + note));

        // The rows: the most likely tokens over all stages, the drawn one and the one the settings would draw.
        Map<Integer, Double> best = new HashMap<>();
        for (StageReport r : columns) {
            for (TokenProbability tp : r.top()) {
                best.merge(tp.id(), tp.p(), Math::max);
            }
        }
        Set<Integer> rows = new LinkedHashSet<>();
        best.entrySet().stream().sorted(Map.Entry.<Integer, Double>comparingByValue(Comparator.reverseOrder()))
                .limit(ROWS).forEach(e -> rows.add(e.getKey()));
        if (best.containsKey(drawn)) {
            rows.add(drawn);
        }
        if (would >= 0 && best.containsKey(would)) {
            rows.add(would);
        }

        List<Integer> rowIds = new ArrayList<>(rows);
        List<String> colNames = columns.stream().map(StageReport::stage).toList();
        if (!rowIds.equals(shownRows) || !colNames.equals(shownColumns) || drawn != shownDrawn || would != shownWould) {
            build(columns, rowIds, drawn, would, piece);
        }
        // The values: set in place, so that a slider dragged over the chart moves bars, not nodes.
        for (int c = 0; c < columns.size(); c++) {
            StageReport r = columns.get(c);
            heads.get(c).setText(SHORT.getOrDefault(r.stage(), r.stage()) + "\n" + String.format("%,d", r.survivors()));
            heads.get(c).getTooltip().setText(r.stage() + ": " + String.format("%,d tokens left, %.2f bits of entropy",
                    r.survivors(), r.entropyBits()) + (r.chosenRank() > 0 ? String.format("; the drawn token is rank %d "
                    + "(p %.3f)", r.chosenRank(), r.chosenP()) : "; the drawn token was removed"));
            for (int k = 0; k < rowIds.size(); k++) {
                cells[k][c].set(r, rowIds.get(k));
            }
        }
    }

    private List<Integer> shownRows = List.of();
    private List<String> shownColumns = List.of();
    private int shownDrawn = -2;
    private int shownWould = -2;
    private final List<Label> heads = new ArrayList<>();
    private Cell[][] cells = new Cell[0][0];

    private void build(List<StageReport> columns, List<Integer> rows, int drawn, int would, IntFunction<String> piece) {
        getChildren().clear();
        getColumnConstraints().clear();
        heads.clear();
        shownRows = rows;
        shownColumns = columns.stream().map(StageReport::stage).toList();
        shownDrawn = drawn;
        shownWould = would;
        ColumnConstraints tokenCol = new ColumnConstraints(56, 84, 110);
        getColumnConstraints().add(tokenCol);
        for (int c = 0; c < columns.size(); c++) {
            ColumnConstraints cc = new ColumnConstraints(34, 60, Double.MAX_VALUE);
            cc.setHgrow(Priority.ALWAYS);
            getColumnConstraints().add(cc);
            StageReport r = columns.get(c);
            Label head = new Label();
            head.getStyleClass().add("stage-head");
            head.setId("stage-head-" + r.stage());
            head.setTooltip(new Tooltip());
            head.setMaxWidth(Double.MAX_VALUE);
            heads.add(head);
            add(head, c + 1, 0);
        }
        Label corner = new Label("token\ntokens left");
        corner.getStyleClass().add("hint");
        add(corner, 0, 0);
        cells = new Cell[rows.size()][columns.size()];
        int row = 1;
        for (int id : rows) {
            String marks = (id == drawn ? "● " : "") + (id == would && would != drawn ? "→ " : "");
            Label token = new Label(marks + "'" + HeatmapView.shown(piece.apply(id)) + "'");
            token.setMinWidth(0);
            token.setMaxWidth(110);
            token.getStyleClass().add("stage-token");
            if (id == drawn) {
                token.getStyleClass().add("drawn");
            }
            if (id == would) {
                token.getStyleClass().add("would");
            }
            token.setId("alt-" + id);
            token.setTooltip(new Tooltip("continue the reply with '" + piece.apply(id) + "' from this step"
                    + (id == drawn ? "\n(● the token drawn)" : "") + (id == would && would != drawn
                    ? "\n(→ what the current settings would draw)" : "")));
            token.setOnMouseClicked(e -> onPick.accept(id));
            add(token, 0, row);
            for (int c = 0; c < columns.size(); c++) {
                cells[row - 1][c] = new Cell(id == drawn);
                add(cells[row - 1][c], c + 1, row);
            }
            row++;
        }
        Label legend = new Label("● drawn   → what these settings would draw   — removed by the stage   · below the top "
                + "listed   click a token to continue from it");
        legend.getStyleClass().add("hint");
        legend.setWrapText(true);
        add(legend, 0, row, columns.size() + 1, 1);
    }

    /** A bar as long as the token's probability in one stage's distribution, or a dash where the stage removed it. */
    private static final class Cell extends StackPane {
        private final Rectangle bar = new Rectangle(1, 14);
        private final Label value = new Label();
        private final Label none = new Label();

        Cell(boolean drawn) {
            getStyleClass().add("stage-cell");
            setMinWidth(0);
            setPrefHeight(16);
            bar.getStyleClass().addAll("bar", drawn ? "chosen" : "other");
            value.getStyleClass().add("bar-value");
            none.getStyleClass().add("hint");
            StackPane.setAlignment(bar, Pos.CENTER_LEFT);
            StackPane.setAlignment(value, Pos.CENTER_RIGHT);
            getChildren().addAll(bar, value, none);
        }

        void set(StageReport r, int id) {
            double p = -1;
            for (TokenProbability tp : r.top()) {
                if (tp.id() == id) {
                    p = tp.p();
                }
            }
            boolean shown = p >= 0;
            bar.setVisible(shown);
            value.setVisible(shown);
            none.setVisible(!shown);
            if (shown) {
                double f = Math.max(0.01, Math.min(1, p));
                bar.widthProperty().unbind();
                bar.widthProperty().bind(widthProperty().multiply(f));
                value.setText(p >= 0.995 ? "1" : p < 0.001 ? "<.001" : String.format("%.3f", p).replaceFirst("^0", ""));
            } else {
                none.setText(r.survivors() <= r.top().length ? "—" : "·");
            }
        }
    }
}
