package org.llmexplorer.app.viewmodel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.engine.inspect.Grid;
import org.llmexplorer.engine.inspect.Grids;
import org.llmexplorer.engine.inspect.KnockOut;
import org.llmexplorer.engine.inspect.LogitLens;
import org.llmexplorer.engine.inspect.Patching;
import org.llmexplorer.engine.inspect.Readings;
import org.llmexplorer.engine.inspect.Reports;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/**
 * The "Deeper" panel: the logit lens, knock-out (one set of heads compared with the intact model,
 * or every head ranked), activation patching and the per-token and per-head readings, each on a
 * text the person types (the last message of the chat by default). Work runs on the session's
 * thread with a progress bar and can be cancelled; the result is a {@link Grid} the view draws,
 * a list of details for the selected cell, and exports.
 */
public final class DeeperViewModel {
    /** What the panel shows. */
    public enum View {
        LENS("Logit lens"), KNOCKOUT("Knock-out"), SWEEP("Head importance"), PATCHING("Patching"),
        READINGS("Readings");

        public final String title;

        View(String title) {
            this.title = title;
        }
    }

    /** The grids of the readings view. */
    public enum Reading {
        ENTROPY("prediction entropy"), RESIDUAL("residual norm"), HEAD_ENTROPY("head entropy"),
        HEAD_FIRST("head → first token"), HEAD_PREVIOUS("head → previous token"), HEAD_SELF("head → itself"),
        HEAD_INDUCTION("head → after an earlier copy");

        public final String title;

        Reading(String title) {
            this.title = title;
        }
    }

    /** The session task's name: its failures show in the panel and the status line, not as alerts. */
    static final String TASK = "deeper view";

    private final AppContext ctx;
    public final ObjectProperty<View> view = new SimpleObjectProperty<>(View.LENS);
    public final StringProperty prompt = new SimpleStringProperty("In the beginning God created the heaven and the");
    /** Patching's corrupted prompt: the same with a word changed. */
    public final StringProperty corrupted = new SimpleStringProperty("In the beginning God created the water and the");
    /** Knock-out: heads as L.H, comma separated, and layers whose MLP is off. */
    public final StringProperty heads = new SimpleStringProperty("0.0");
    public final StringProperty mlps = new SimpleStringProperty("");
    public final BooleanProperty meanAblation = new SimpleBooleanProperty(false);
    /** Head importance: the token whose probability is watched, as text or id; empty for the model's own answer. */
    public final StringProperty target = new SimpleStringProperty("");
    /** The position looked at: the lens's details, the knock-out's prediction, patching's single position. -1 is the last. */
    public final IntegerProperty position = new SimpleIntegerProperty(-1);
    public final ObjectProperty<Reading> reading = new SimpleObjectProperty<>(Reading.HEAD_ENTROPY);

    private final ReadOnlyObjectWrapper<Grid> grid = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyIntegerWrapper selectedRow = new ReadOnlyIntegerWrapper(-1);
    private final ReadOnlyIntegerWrapper selectedColumn = new ReadOnlyIntegerWrapper(-1);
    private final ObservableList<String> details = FXCollections.observableArrayList();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ReadOnlyIntegerWrapper tokenCount = new ReadOnlyIntegerWrapper(0);

    private LogitLens lens;
    private KnockOut.Comparison comparison;
    private KnockOut.Sweep sweep;
    private Patching.Sweep patching;
    private int[] patchingTokens;
    private int[] patchingCorrupted;
    private Readings readings;
    private IntFunction<String> label = String::valueOf;

    DeeperViewModel(AppContext ctx) {
        this.ctx = ctx;
        view.addListener((o, a, b) -> show());
        reading.addListener((o, a, b) -> show());
        position.addListener((o, a, b) -> positionChanged());
    }

    public ReadOnlyObjectProperty<Grid> gridProperty() {
        return grid.getReadOnlyProperty();
    }

    public ReadOnlyIntegerProperty selectedRowProperty() {
        return selectedRow.getReadOnlyProperty();
    }

    public ReadOnlyIntegerProperty selectedColumnProperty() {
        return selectedColumn.getReadOnlyProperty();
    }

    public ObservableList<String> details() {
        return FXCollections.unmodifiableObservableList(details);
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    /** Tokens of the text last run, for the position control's range. */
    public ReadOnlyIntegerProperty tokenCountProperty() {
        return tokenCount.getReadOnlyProperty();
    }

    /** Runs the shown view on the current inputs (on the session's thread). */
    public CompletableFuture<?> run() {
        View v = view.get();
        String text = prompt.get();
        String other = corrupted.get();
        String headText = heads.get();
        String mlpText = mlps.get();
        String targetText = target.get();
        KnockOut.Mode mode = meanAblation.get() ? KnockOut.Mode.MEAN : KnockOut.Mode.ZERO;
        int pos = position.get();
        busy.set(true);
        progress.set(0);
        status.set(v.title + ": running…");
        String[] deviceNote = {""};
        CompletableFuture<Runnable> work = ctx.session.inspect(TASK, (pass, tokenizer, cancelled) -> {
            deviceNote[0] = pass.deviceNote();
            IntFunction<String> names = names(tokenizer);
            int[] tokens = tokenizer.encode(text, true, true);
            java.util.function.DoubleConsumer bar = f -> ctx.ui.execute(() -> progress.set(f));
            return switch (v) {
                case LENS -> {
                    LogitLens r = LogitLens.of(pass, tokens, 10, bar, cancelled);
                    yield () -> {
                        label = names;
                        lens = r;
                        tokenCount.set(tokens.length);
                    };
                }
                case KNOCKOUT -> {
                    KnockOut.Spec spec = new KnockOut.Spec(parseHeads(headText), parseLayers(mlpText), mode);
                    KnockOut.Comparison r = KnockOut.compare(pass, tokens, spec, clamp(pos, tokens.length), 10, 24);
                    yield () -> {
                        label = names;
                        comparison = r;
                        tokenCount.set(tokens.length);
                    };
                }
                case SWEEP -> {
                    say("Head importance: " + estimate(KnockOut.sweepPasses(pass.model().config()), tokens.length,
                            timeOnePass(pass, tokens)));
                    KnockOut.Sweep r = KnockOut.sweep(pass, tokens, clamp(pos, tokens.length), token(tokenizer, targetText),
                            mode, bar, cancelled);
                    yield () -> {
                        label = names;
                        sweep = r;
                        tokenCount.set(tokens.length);
                    };
                }
                case PATCHING -> {
                    int[] bad = tokenizer.encode(other, true, true);
                    Patching p = new Patching(pass, tokens, bad);
                    say("Patching: " + estimate(p.sweepPasses(), tokens.length, timeOnePass(pass, tokens)));
                    Patching.Sweep r = p.sweep(bar, cancelled);
                    yield () -> {
                        label = names;
                        patching = r;
                        patchingTokens = tokens;
                        patchingCorrupted = bad;
                        tokenCount.set(tokens.length);
                    };
                }
                case READINGS -> {
                    Readings r = Readings.of(pass, tokens);
                    yield () -> {
                        label = names;
                        readings = r;
                        tokenCount.set(tokens.length);
                    };
                }
            };
        });
        return work.whenComplete((apply, error) -> ctx.ui.execute(() -> {
            busy.set(false);
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                status.set(cause instanceof CancellationException ? v.title + ": cancelled"
                        : v.title + " failed: " + cause.getMessage());
                return;
            }
            progress.set(1);
            apply.run();
            status.set(summary(v) + (deviceNote[0].isEmpty() ? "" : " (" + deviceNote[0] + ")"));
            if (view.get() == v) {
                show();
            }
        }));
    }

    private static double timeOnePass(org.llmexplorer.engine.inspect.Pass pass, int[] tokens) {
        long t0 = System.nanoTime();
        pass.logits(tokens, null);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** "512 forward passes of 20 tokens, about 2 min": what a sweep costs, said before it starts. */
    static String estimate(int passes, int tokens, double secondsPerPass) {
        double s = passes * secondsPerPass;
        String about = s < 90 ? String.format(Locale.ROOT, "%.0f s", Math.max(1, s))
                : String.format(Locale.ROOT, "%.0f min", s / 60);
        return String.format(Locale.ROOT, "%d forward passes of %d tokens, about %s (Cancel stops it)…", passes, tokens,
                about);
    }

    /** What the work says while it runs (its cost, once known): from the session's thread. */
    private void say(String text) {
        ctx.ui.execute(() -> status.set(text));
    }

    /** Stops the running view (the session's stop: a sweep returns between passes). */
    public void cancel() {
        ctx.session.stop();
    }

    /** What a sweep would cost, for the panel to say before it starts. */
    public String cost() {
        return switch (view.get()) {
            case SWEEP -> "one forward pass of the text per head";
            case PATCHING -> "one forward pass per layer and position";
            case LENS -> "one pass, then the output matrix once per layer and position";
            default -> "a few forward passes";
        };
    }

    /** A token given as its id or its text (one token, as the tokenizer splits it); -1 when empty. */
    static int token(Tokenizer tokenizer, String text) {
        if (text == null || text.isEmpty()) {
            return -1;
        }
        if (text.strip().matches("\\d+")) {
            return Integer.parseInt(text.strip());
        }
        int[] ids = tokenizer.encode(text, false, false);
        if (ids.length != 1) {
            throw new IllegalArgumentException("'" + text + "' is " + ids.length + " tokens: give one token (mind the "
                    + "leading space of a word) or its id");
        }
        return ids[0];
    }

    private static int clamp(int pos, int n) {
        return pos < 0 || pos >= n ? -1 : pos;
    }

    private static IntFunction<String> names(Tokenizer t) {
        return Reports.labels(t);
    }

    static List<KnockOut.Head> parseHeads(String text) {
        List<KnockOut.Head> list = new ArrayList<>();
        for (String part : text.split("[,\\s]+")) {
            if (!part.isBlank()) {
                list.add(KnockOut.Head.parse(part));
            }
        }
        return list;
    }

    static List<Integer> parseLayers(String text) {
        List<Integer> list = new ArrayList<>();
        for (String part : text.split("[,\\s]+")) {
            if (!part.isBlank()) {
                try {
                    list.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("an MLP is given by its layer number, got '" + part + "'");
                }
            }
        }
        return list;
    }

    private String summary(View v) {
        return switch (v) {
            case LENS -> String.format(Locale.ROOT, "logit lens of %d tokens over %d layers: click a cell for its top 10",
                    lens.tokens().length, lens.layers());
            case KNOCKOUT -> String.format(Locale.ROOT, "%s off: KL %.4f bits from the intact model",
                    Grids.describe(comparison.spec()), comparison.klBits());
            case SWEEP -> {
                KnockOut.Head top = sweep.ranking().getFirst();
                yield String.format(Locale.ROOT, "most important head %s: p(%s) drops by %.4f", top,
                        label.apply(sweep.target()), sweep.drop(top.layer(), top.head()));
            }
            case PATCHING -> String.format(Locale.ROOT, "clean answer '%s', corrupted '%s'",
                    label.apply(patching.baseline().answer()), label.apply(patching.baseline().foil()));
            case READINGS -> String.format(Locale.ROOT, "readings of %d tokens", readings.tokens().length);
        };
    }

    /** Shows the result of the current view, if it has one. */
    private void show() {
        Grid g = switch (view.get()) {
            case LENS -> lens == null ? null : Grids.lens(lens, label);
            case KNOCKOUT -> comparison == null ? null : Grids.comparison(comparison, label);
            case SWEEP -> sweep == null ? null : Grids.sweep(sweep, label);
            case PATCHING -> patching == null ? null : Grids.patching(patching, patchingTokens, label);
            case READINGS -> readings == null ? null : switch (reading.get()) {
                case ENTROPY -> Grids.entropy(readings, label);
                case RESIDUAL -> Grids.residualNorms(readings, label);
                case HEAD_ENTROPY -> Grids.heads(readings, Grids.HeadReading.ENTROPY);
                case HEAD_FIRST -> Grids.heads(readings, Grids.HeadReading.FIRST);
                case HEAD_PREVIOUS -> Grids.heads(readings, Grids.HeadReading.PREVIOUS);
                case HEAD_SELF -> Grids.heads(readings, Grids.HeadReading.SELF);
                case HEAD_INDUCTION -> Grids.heads(readings, Grids.HeadReading.INDUCTION);
            };
        };
        grid.set(g);
        positionChanged();
    }

    /** The position control moves the selected column of grids over positions and shows its details. */
    private void positionChanged() {
        Grid g = grid.get();
        if (g == null) {
            details.clear();
            selectedRow.set(-1);
            selectedColumn.set(-1);
            return;
        }
        boolean byPosition = view.get() == View.LENS || view.get() == View.PATCHING
                || view.get() == View.READINGS && (reading.get() == Reading.ENTROPY || reading.get() == Reading.RESIDUAL);
        if (byPosition) {
            int n = g.columns().size();
            int p = position.get() < 0 || position.get() >= n ? n - 1 : position.get();
            select(row(g), p);
        } else {
            select(row(g), Math.max(0, Math.min(selectedColumn.get(), g.columns().size() - 1)));
        }
    }

    /** The selected row, kept within a grid that may have fewer rows than the last one. */
    private int row(Grid g) {
        return Math.max(0, Math.min(selectedRow.get(), g.rows().size() - 1));
    }

    /** A click on a cell: its details (the lens's top 10 after that layer, a head's numbers, ...). */
    public void select(int row, int column) {
        Grid g = grid.get();
        if (g == null || row < 0 || column < 0 || row >= g.rows().size() || column >= g.columns().size()) {
            return;
        }
        selectedRow.set(row);
        selectedColumn.set(column);
        List<String> lines = new ArrayList<>();
        lines.add(g.rows().get(row) + ", " + g.columns().get(column));
        switch (view.get()) {
            case LENS -> {
                int layer = lens.layers() - 1 - row;
                lines.add(String.format(Locale.ROOT, "after layer %d, entropy %.2f bits:", layer, lens.entropy()[layer][column]));
                for (TokenProbability t : lens.top()[layer][column]) {
                    lines.add(String.format(Locale.ROOT, "%.4f  %s", t.p(), label.apply(t.id())));
                }
            }
            case KNOCKOUT -> {
                lines.add("intact, greedy:");
                lines.add("  " + Reports.comparison(comparison, label).get("intact_continuation"));
                lines.add("knocked out, greedy:");
                lines.add("  " + Reports.comparison(comparison, label).get("knocked_continuation"));
            }
            case SWEEP -> {
                int layer = sweep.knockedP().length - 1 - row;
                lines.add(String.format(Locale.ROOT, "p(%s) intact: %.4f", label.apply(sweep.target()), sweep.intactP()));
                lines.add(String.format(Locale.ROOT, "without head %d.%d: %.4f", layer, column,
                        sweep.knockedP()[layer][column]));
            }
            case PATCHING -> lines.add(String.format(Locale.ROOT, "recovered %.1f%% of the clean answer",
                    100 * g.values()[row][column]));
            case READINGS -> lines.add(g.texts()[row][column] + "  (" + g.title() + ")");
        }
        details.setAll(lines);
    }

    /** The shown result as JSON-ready maps (what the JSON export writes). */
    public Map<String, Object> report() {
        return switch (view.get()) {
            case LENS -> lens == null ? null : Reports.lens(lens, label);
            case KNOCKOUT -> comparison == null ? null : Reports.comparison(comparison, label);
            case SWEEP -> sweep == null ? null : Reports.sweep(sweep, label);
            case PATCHING -> patching == null ? null
                    : Reports.patching(patching.baseline(), patchingTokens, patchingCorrupted, patching.recovered(), label);
            case READINGS -> readings == null ? null : Reports.readings(readings, label);
        };
    }
}
