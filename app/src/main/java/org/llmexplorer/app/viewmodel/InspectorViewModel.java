package org.llmexplorer.app.viewmodel;

import java.util.List;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.session.Step;

/**
 * The selected token: its distribution before and after each sampler stage. When the sampling
 * settings change, the step is re-sampled from its kept logits (the model does not run), so the
 * bars follow a slider as it moves, also while a reply streams (the session answers between two
 * of its tokens).
 */
public final class InspectorViewModel {
    private final AppContext ctx;
    private final ChatViewModel chat;
    private final SamplingViewModel sampling;
    public final ObjectProperty<StepRef> selected = new SimpleObjectProperty<>();
    private final ObservableList<StageReport> stages = FXCollections.observableArrayList();
    /** One read-only view, kept: a fresh wrapper per call would lose its listeners to the garbage collector. */
    private final ObservableList<StageReport> stagesView = FXCollections.unmodifiableObservableList(stages);
    private final ReadOnlyIntegerWrapper wouldPick = new ReadOnlyIntegerWrapper(-1);
    /** The step the stages were last shown for. */
    private Step shown;
    private boolean resampling;
    private boolean again;

    InspectorViewModel(AppContext ctx, ChatViewModel chat, SamplingViewModel sampling) {
        this.ctx = ctx;
        this.chat = chat;
        this.sampling = sampling;
        selected.addListener((o, a, b) -> show());
    }

    public ObservableList<StageReport> stages() {
        return stagesView;
    }

    /** The token the selected step would give under the current settings (-1: as it was). */
    public ReadOnlyIntegerProperty wouldPickProperty() {
        return wouldPick.getReadOnlyProperty();
    }

    /**
     * What the stage view works on: "" for the model's whole distribution; for a model on a
     * server, the few alternatives the server returned.
     */
    public String scope() {
        return ctx.session.isRemote() ? "on the server's top 20 alternatives only (all it returns)" : "";
    }

    /** The text of a token, for labels. */
    public String piece(int token) {
        return ctx.session.piece(token);
    }

    /** Branches the reply at the selected step with another token. */
    public void branchTo(int token) {
        StepRef r = selected.get();
        if (r != null) {
            chat.branch(r, token);
        }
    }

    public Step step() {
        StepRef r = selected.get();
        if (r == null || r.message() >= chat.messages().size()) {
            return null;
        }
        var steps = chat.messages().get(r.message()).steps();
        return r.step() < steps.size() ? steps.get(r.step()) : null;
    }

    private void show() {
        Step s = step();
        shown = s;
        stages.setAll(s == null ? List.of() : s.stages());
        wouldPick.set(-1);
        if (s != null) {
            settingsChanged();
        }
    }

    /** Re-applies the current settings to the selected step (coalescing a burst of changes). */
    void settingsChanged() {
        StepRef r = selected.get();
        if (r == null || step() == null) {
            return;
        }
        if (resampling) {
            again = true;
            return;
        }
        resampling = true;
        ctx.session.resample(r.message(), r.step(), sampling.settings()).whenComplete((t, e) -> ctx.ui.execute(() -> {
            resampling = false;
            if (again) {
                again = false;
                settingsChanged();
            }
        }));
    }

    /**
     * A reply finished (or a chat was opened): with no token selected, its first token is, so the
     * sampling view has a distribution to show and the sliders something to move.
     */
    void conversationChanged() {
        Step s = step();
        if (s != null) {
            if (s != shown) {
                // The selected place holds another step now (the reply was branched there or regenerated):
                // its stages replace the old step's, and the views that draw them draw the new step. (The
                // selection itself is an equal StepRef, which its change listeners do not hear.)
                show();
            }
            return;
        }
        var messages = chat.messages();
        for (int m = messages.size() - 1; m >= 0; m--) {
            if (!messages.get(m).steps().isEmpty()) {
                selected.set(new StepRef(m, 0));
                return;
            }
        }
        selected.set(null);
    }

    /**
     * The oldest {@code dropped} messages slid out of the context window and the chat holds the
     * rest: a selected step among them is gone; one after them moves up with its message. (Left
     * as it was, the index named another message's step: after a chat reopened at start-up slid
     * out, the header showed its token over the new reply's distribution.)
     */
    void messagesDropped(int dropped) {
        StepRef r = selected.get();
        if (r != null) {
            selected.set(r.message() < dropped ? null : new StepRef(r.message() - dropped, r.step()));
        }
        conversationChanged();
    }

    void resampled(int message, int step, int token, List<StageReport> reports) {
        StepRef r = selected.get();
        if (r != null && r.message() == message && r.step() == step) {
            stages.setAll(reports);
            wouldPick.set(token);
        }
    }
}
