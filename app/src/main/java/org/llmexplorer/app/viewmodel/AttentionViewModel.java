package org.llmexplorer.app.viewmodel;

import java.util.concurrent.CompletableFuture;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.session.AttentionSnapshot;

/**
 * The attention panel: a layer and head, the mask plan to look through (and optionally a second
 * one to compare), the weights computed for the conversation so far, and applying a plan to the
 * next generation.
 */
public final class AttentionViewModel {
    private final AppContext ctx;
    public final IntegerProperty layer = new SimpleIntegerProperty(0);
    public final IntegerProperty head = new SimpleIntegerProperty(0);
    /** The plan to look through; empty means the model's own mask. */
    public final StringProperty mask = new SimpleStringProperty("");
    public final BooleanProperty compare = new SimpleBooleanProperty(false);
    public final StringProperty compareMask = new SimpleStringProperty("sliding:w=8");
    private final ReadOnlyObjectWrapper<AttentionSnapshot> snapshot = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyObjectWrapper<AttentionSnapshot> compared = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper busy = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyStringWrapper applied = new ReadOnlyStringWrapper("the model's own");
    private final ReadOnlyStringWrapper error = new ReadOnlyStringWrapper("");

    AttentionViewModel(AppContext ctx) {
        this.ctx = ctx;
    }

    public ReadOnlyObjectProperty<AttentionSnapshot> snapshotProperty() {
        return snapshot.getReadOnlyProperty();
    }

    public ReadOnlyObjectProperty<AttentionSnapshot> comparedProperty() {
        return compared.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty busyProperty() {
        return busy.getReadOnlyProperty();
    }

    /** The plan generation runs under. */
    public ReadOnlyStringProperty appliedProperty() {
        return applied.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty errorProperty() {
        return error.getReadOnlyProperty();
    }

    /** Parses a plan; empty means the model's own mask. Throws with a readable message. */
    MaskPlan plan(String spec) {
        return spec == null || spec.isBlank() ? null : MaskPlan.parse(spec, MaskPlan.causal());
    }

    /** Computes the weights of the chosen layer (all heads) under the plan, and the comparison. */
    public CompletableFuture<AttentionSnapshot> refresh() {
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
        CompletableFuture<AttentionSnapshot> first = ctx.session.attention(l, a);
        CompletableFuture<AttentionSnapshot> second = b == null ? CompletableFuture.completedFuture(null)
                : ctx.session.attention(l, b);
        return first.thenCombine(second, (x, y) -> {
            ctx.ui.execute(() -> {
                snapshot.set(x);
                compared.set(y);
            });
            return x;
        }).whenComplete((x, e) -> ctx.ui.execute(() -> {
            busy.set(false);
            if (e != null) {
                error.set(String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            }
        }));
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
}
