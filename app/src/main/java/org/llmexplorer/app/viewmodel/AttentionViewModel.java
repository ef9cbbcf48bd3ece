package org.llmexplorer.app.viewmodel;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.MapChangeListener;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import org.llmexplorer.engine.attention.MaskCatalogue;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.session.AttentionSnapshot;
import org.llmexplorer.engine.session.TokenSpan;

/**
 * The attention panel: a layer and head, the mask to look through (picked as a kind with a value
 * per parameter, or written as spec text; the two kept in sync), the weights of the conversation
 * under it, recomputed off the UI thread whenever any of these change (the latest change wins),
 * the mask's connectivity drawn at once, a second mask to compare, applying a mask to the next
 * generation, and the link between heatmap cells and the chat's tokens.
 */
public final class AttentionViewModel {
    /** {@link #maskKind} for the model's own mask. */
    public static final String OWN = "";
    /** {@link #maskKind} for a plan the controls cannot show (per-layer entries): edited as text. */
    public static final String PLAN = "plan";

    private final AppContext ctx;
    public final IntegerProperty layer = new SimpleIntegerProperty(0);
    public final IntegerProperty head = new SimpleIntegerProperty(0);
    /** The plan to look through, as text; empty means the model's own mask. */
    public final StringProperty mask = new SimpleStringProperty("");
    /** The mask as controls: a catalogue kind's name, {@link #OWN} or {@link #PLAN}, and its parameter values. */
    public final StringProperty maskKind = new SimpleStringProperty(OWN);
    public final ObservableMap<String, String> maskValues = FXCollections.observableHashMap();
    public final BooleanProperty compare = new SimpleBooleanProperty(false);
    public final StringProperty compareMask = new SimpleStringProperty("sliding:w=8");
    /** Recompute when the conversation or the settings change (the panel is on screen). */
    public final BooleanProperty live = new SimpleBooleanProperty(false);

    private final ReadOnlyObjectWrapper<AttentionSnapshot> snapshot = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<AttentionSnapshot> compared = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<boolean[][]> connectivity = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper stale = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper applied = new ReadOnlyStringWrapper("the model's own");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");
    private final ReadOnlyStringWrapper ownMask = new ReadOnlyStringWrapper("causal");
    private final ReadOnlyIntegerWrapper selectedToken = new ReadOnlyIntegerWrapper(-1);
    private final ReadOnlyIntegerWrapper cellQuery = new ReadOnlyIntegerWrapper(-1);
    private final ReadOnlyIntegerWrapper cellKey = new ReadOnlyIntegerWrapper(-1);
    private final ObservableList<TokenSpan> chatHighlights = FXCollections.observableArrayList();
    private final ObservableList<TokenSpan> chatHighlightsView = FXCollections.unmodifiableObservableList(chatHighlights);
    /**
     * Characters picked in the chat that the snapshot shown (if any) does not hold: picked before
     * the panel first showed, or in a message newer than its snapshot. The next snapshot selects
     * them.
     */
    private TokenSpan pickedInChat;

    private boolean syncing;
    private CompletableFuture<AttentionSnapshot> running;
    private CompletableFuture<AttentionSnapshot> queued;
    private int computations;

    AttentionViewModel(AppContext ctx) {
        this.ctx = ctx;
        mask.addListener((o, a, b) -> {
            if (!syncing) {
                readSpec(b);
            }
            changed();
        });
        maskKind.addListener((o, a, b) -> {
            if (syncing) {
                return;
            }
            if (b == null || b.equals(OWN)) {
                writeSpec("");
            } else if (!b.equals(PLAN)) {
                MaskCatalogue.kind(b).ifPresent(k -> {
                    syncing = true;
                    maskValues.clear();
                    maskValues.putAll(k.defaults());
                    syncing = false;
                    writeSpec(k.spec(maskValues));
                });
            }
        });
        maskValues.addListener((MapChangeListener<String, String>) c -> {
            if (!syncing) {
                MaskCatalogue.kind(maskKind.get()).ifPresent(k -> writeSpec(k.spec(maskValues)));
            }
        });
        layer.addListener((o, a, b) -> changed());
        head.addListener((o, a, b) -> drawConnectivity());
        compare.addListener((o, a, b) -> changed());
        compareMask.addListener((o, a, b) -> {
            if (compare.get()) {
                changed();
            }
        });
        live.addListener((o, a, b) -> {
            if (b) {
                refresh();
            }
        });
    }

    private void writeSpec(String spec) {
        syncing = true;
        mask.set(spec);
        syncing = false;
        changed();
    }

    /** Sets the controls from spec text (a kind and its values, the model's own, or a plan). */
    private void readSpec(String spec) {
        syncing = true;
        try {
            if (spec == null || spec.isBlank()) {
                maskKind.set(OWN);
            } else {
                var reading = MaskCatalogue.read(spec);
                if (reading.isPresent()) {
                    maskKind.set(reading.get().kind().name());
                    maskValues.clear();
                    maskValues.putAll(reading.get().values());
                } else {
                    maskKind.set(PLAN);
                }
            }
        } finally {
            syncing = false;
        }
    }

    /** A setting changed: draw the new mask at once, and recompute the weights when the panel is live. */
    private void changed() {
        if (syncing) {
            return;
        }
        drawConnectivity();
        stale.set(true);
        if (live.get()) {
            refresh();
        }
    }

    public ReadOnlyObjectProperty<AttentionSnapshot> snapshotProperty() {
        return snapshot.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<AttentionSnapshot> comparedProperty() {
        return compared.getReadOnlyProperty();
    }

    /**
     * The connectivity of the chosen head under the mask now chosen, over the tokens of the last
     * snapshot: drawn at once when a setting moves, before the weights are recomputed.
     */
    public ReadOnlyObjectProperty<boolean[][]> connectivityProperty() {
        return connectivity.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /** True while the weights shown are not yet those of the current settings. */
    public ReadOnlyBooleanProperty staleProperty() {
        return stale.getReadOnlyProperty();
    }

    /** The plan generation runs under. */
    public ReadOnlyStringProperty appliedProperty() {
        return applied.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /** The open model's own mask plan, as text. */
    public ReadOnlyStringProperty ownMaskProperty() {
        return ownMask.getReadOnlyProperty();
    }

    /** How many times the weights were computed (a count the tests read). */
    public int computations() {
        return computations;
    }

    void modelOpened(String trainedMask, int layers, int heads) {
        ownMask.set(trainedMask);
        layer.set(Math.min(layer.get(), layers - 1));
        head.set(Math.min(head.get(), heads - 1));
        snapshot.set(null);
        compared.set(null);
        clearSelection();
        changed();
    }

    /** Parses a plan; empty means the model's own mask. Throws with a readable message. */
    MaskPlan plan(String spec) {
        return spec == null || spec.isBlank() ? null : MaskPlan.parse(spec, MaskPlan.causal());
    }

    private void drawConnectivity() {
        AttentionSnapshot s = snapshot.get();
        if (s == null) {
            connectivity.set(null);
            return;
        }
        try {
            MaskPlan p = plan(mask.get());
            MaskPlan own = MaskPlan.parse(ownMask.get(), MaskPlan.causal());
            int h = Math.min(head.get(), s.weights().length - 1);
            connectivity.set((p == null ? own : p).mask(layer.get(), h).matrix(s.tokens().length));
            error.set("");
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
        }
    }

    /**
     * Computes the weights of the chosen layer (all heads) under the plan, and the comparison.
     * While a computation runs, the next is queued once; it starts with the settings of that
     * moment (the latest change wins). The future completes when the view model shows the result.
     */
    public CompletableFuture<AttentionSnapshot> refresh() {
        if (running != null) {
            if (queued == null) {
                queued = new CompletableFuture<>();
            }
            return queued;
        }
        return start();
    }

    private CompletableFuture<AttentionSnapshot> start() {
        MaskPlan a;
        MaskPlan b;
        try {
            a = plan(mask.get());
            b = compare.get() ? plan(compareMask.get()) : null;
            error.set("");
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        busy.set(true);
        int l = layer.get();
        String spec = mask.get();
        CompletableFuture<AttentionSnapshot> first = ctx.session.attention(l, a);
        CompletableFuture<AttentionSnapshot> second = b == null ? CompletableFuture.completedFuture(null)
                : ctx.session.attention(l, b);
        CompletableFuture<AttentionSnapshot> shown = new CompletableFuture<>();
        running = shown;
        first.thenCombine(second, java.util.Arrays::asList).whenComplete((pair, e) -> ctx.ui.execute(() -> {
            running = null;
            busy.set(false);
            if (e != null) {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                error.set(cause.getMessage() != null ? cause.getMessage() : cause.toString());
                shown.completeExceptionally(e);
            } else {
                computations++;
                AttentionSnapshot old = snapshot.get();
                snapshot.set(pair.get(0));
                compared.set(pair.get(1));
                stale.set(!spec.equals(mask.get()) || l != layer.get());
                drawConnectivity();
                if (pickedInChat != null) {
                    selectInChat(pickedInChat.message(), pickedInChat.start(), pickedInChat.end());
                } else {
                    keepSelection(old, pair.get(0));
                }
                shown.complete(pair.get(0));
            }
            CompletableFuture<AttentionSnapshot> next = queued;
            queued = null;
            if (next != null) {
                start().whenComplete((x, err) -> {
                    if (err != null) {
                        next.completeExceptionally(err);
                    } else {
                        next.complete(x);
                    }
                });
            }
        }));
        return shown;
    }

    /** Makes the next generation run under the plan in {@link #mask}. */
    public void apply() {
        try {
            MaskPlan p = plan(mask.get());
            ctx.session.masks(p);
            applied.set(p == null ? "the model's own" : p.spec());
            ctx.settings.mask = mask.get();
            ctx.saveSettings();
            error.set("");
        } catch (IllegalArgumentException e) {
            error.set(e.getMessage());
        }
    }

    /** The conversation changed (a reply finished, a chat was opened): recompute when on screen. */
    void conversationChanged() {
        stale.set(true);
        if (live.get()) {
            refresh();
        }
    }

    // --- the link between the heatmap and the chat -------------------------------------------

    /** The token whose row and column are highlighted (index into the snapshot's tokens), -1 for none. */
    public ReadOnlyIntegerProperty selectedTokenProperty() {
        return selectedToken.getReadOnlyProperty();
    }

    /** The selected cell's query and key, -1 for none. */
    public ReadOnlyIntegerProperty cellQueryProperty() {
        return cellQuery.getReadOnlyProperty();
    }

    public ReadOnlyIntegerProperty cellKeyProperty() {
        return cellKey.getReadOnlyProperty();
    }

    /** The characters of chat messages to highlight: the selected token, or a selected cell's two tokens. */
    public ObservableList<TokenSpan> chatHighlights() {
        return chatHighlightsView;
    }

    /** A token selected in the chat (characters of a message): its row and column light up in the heatmap. */
    public void selectInChat(int message, int from, int to) {
        AttentionSnapshot s = snapshot.get();
        int i = s == null ? -1 : s.tokenAt(message, from, to);
        pickedInChat = i < 0 ? new TokenSpan(message, from, to) : null;
        cellQuery.set(-1);
        cellKey.set(-1);
        selectedToken.set(i);
        chatHighlights.setAll(i < 0 ? List.of() : List.of(s.spans()[i]));
    }

    /** A token selected in the heatmap (an axis label, the text view): as if selected in the chat. */
    public void selectToken(int i) {
        AttentionSnapshot s = snapshot.get();
        if (s == null || i < 0 || i >= s.tokens().length) {
            clearSelection();
            return;
        }
        pickedInChat = null;
        cellQuery.set(-1);
        cellKey.set(-1);
        selectedToken.set(i);
        chatHighlights.setAll(s.spans()[i]);
    }

    /** A cell selected: its query and key tokens light up in the chat. */
    public void selectCell(int query, int key) {
        AttentionSnapshot s = snapshot.get();
        if (s == null || query < 0 || key < 0 || query >= s.tokens().length || key >= s.tokens().length) {
            clearSelection();
            return;
        }
        pickedInChat = null;
        selectedToken.set(-1);
        cellQuery.set(query);
        cellKey.set(key);
        chatHighlights.setAll(s.spans()[query], s.spans()[key]);
    }

    public void clearSelection() {
        pickedInChat = null;
        selectedToken.set(-1);
        cellQuery.set(-1);
        cellKey.set(-1);
        chatHighlights.clear();
    }

    /** After a recomputation, the selection follows its tokens (by their place in the chat). */
    private void keepSelection(AttentionSnapshot old, AttentionSnapshot now) {
        if (old == null || now == null) {
            return;
        }
        int t = follow(old, now, selectedToken.get());
        int q = follow(old, now, cellQuery.get());
        int k = follow(old, now, cellKey.get());
        if (selectedToken.get() >= 0) {
            selectToken(t);
        } else if (cellQuery.get() >= 0) {
            selectCell(q, k);
        }
    }

    private static int follow(AttentionSnapshot old, AttentionSnapshot now, int i) {
        if (i < 0 || i >= old.spans().length) {
            return -1;
        }
        TokenSpan s = old.spans()[i];
        if (s.message() < 0) { // template text: same distance from the end
            int j = now.tokens().length - (old.tokens().length - i);
            return j >= 0 ? j : -1;
        }
        return now.tokenAt(s.message(), s.start(), s.end());
    }

    /** Mask kinds for the picker, the model's own first. */
    public static List<MaskCatalogue.Kind> kinds() {
        return MaskCatalogue.all();
    }

    /** Values as the spec would write them (for tests and the expert field). */
    public Map<String, String> values() {
        return Map.copyOf(maskValues);
    }
}
