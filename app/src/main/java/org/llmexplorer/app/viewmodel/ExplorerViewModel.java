package org.llmexplorer.app.viewmodel;

import java.util.List;
import java.util.concurrent.Executor;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.store.JsonStore;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.session.AttentionSnapshot;
import org.llmexplorer.engine.session.ChatSession;
import org.llmexplorer.engine.session.ModelSummary;
import org.llmexplorer.engine.session.SessionListener;
import org.llmexplorer.engine.session.Step;

/**
 * All view models of the window, wired to one {@link ChatSession}. Session events arrive on
 * the session's thread and are handed to the UI thread through {@code ui}; in tests {@code ui}
 * can simply run them, so view models are tested without a window.
 */
public final class ExplorerViewModel implements AutoCloseable {
    private final AppContext ctx;
    public final ModelViewModel model;
    public final ChatViewModel chat;
    public final SamplingViewModel sampling = new SamplingViewModel();
    public final InspectorViewModel inspector;
    public final AttentionViewModel attention;
    public final DownloadsViewModel downloads;
    public final TrainViewModel train;
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");

    public ExplorerViewModel(Executor ui, AppDirs dirs) {
        StringBuilder startupNotice = new StringBuilder();
        Settings settings = JsonStore.read(dirs.config().resolve("settings.json"), Settings.class, new Settings(),
                startupNotice::append);
        ChatSession session = new ChatSession(new Bridge());
        this.ctx = new AppContext(session, ui, dirs, settings);
        ctx.onNotice(notice::set);
        model = new ModelViewModel(ctx);
        chat = new ChatViewModel(ctx);
        inspector = new InspectorViewModel(ctx, chat, sampling);
        attention = new AttentionViewModel(ctx);
        downloads = new DownloadsViewModel(ctx);
        train = new TrainViewModel(ctx);
        sampling.load(settings);
        attention.mask.set(settings.mask == null ? "" : settings.mask);
        attention.apply();
        session.contextLimit(settings.contextLimit);
        pushSampling();
        sampling.onChange(() -> {
            pushSampling();
            sampling.store(settings);
            ctx.saveSettings();
            inspector.settingsChanged();
        });
        if (!startupNotice.isEmpty()) {
            notice.set(startupNotice.toString());
        }
    }

    private void pushSampling() {
        ctx.session.settings(sampling.settings(), sampling.seedLocked.get(), sampling.maxTokens.get());
        ctx.session.beams(sampling.beams.get());
    }

    /** The latest message for the status line: errors, trimmed context, corrupt settings. */
    public ReadOnlyStringProperty noticeProperty() {
        return notice.getReadOnlyProperty();
    }

    public AppContext context() {
        return ctx;
    }

    /** Session events, moved to the UI thread. */
    private final class Bridge implements SessionListener {
        @Override
        public void loading(String what, double progress) {
            ctx.ui.execute(() -> model.loading(what, progress));
        }

        @Override
        public void loaded(ModelSummary summary) {
            ctx.ui.execute(() -> {
                model.loaded(summary);
                attention.layer.set(Math.min(attention.layer.get(), summary.layers() - 1));
                attention.head.set(Math.min(attention.head.get(), summary.heads() - 1));
                notice.set(summary.chatTemplate()
                        ? "chat mode: the conversation is rendered with the model's chat template"
                        : "completion mode: this model has no chat template, so it continues the conversation as text");
            });
        }

        @Override
        public void token(int messageIndex, Step step) {
            ctx.ui.execute(() -> chat.token(messageIndex, step));
        }

        @Override
        public void finished(int messageIndex, String reason, double tps) {
            ctx.ui.execute(() -> chat.finished(tps));
        }

        @Override
        public void trimmed(int dropped, String text) {
            ctx.ui.execute(() -> {
                notice.set(text);
                chat.syncFromSession();
            });
        }

        @Override
        public void contextUsage(int used, int capacity) {
            ctx.ui.execute(() -> chat.context(used, capacity));
        }

        @Override
        public void resampled(int messageIndex, int stepIndex, int token, List<StageReport> stages) {
            ctx.ui.execute(() -> inspector.resampled(messageIndex, stepIndex, token, stages));
        }

        @Override
        public void attention(AttentionSnapshot snapshot) {
            // delivered through the futures of AttentionViewModel.refresh
        }

        @Override
        public void failed(String what, Throwable error) {
            String msg = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
            ctx.ui.execute(() -> notice.set(what + " failed: " + msg));
        }
    }

    @Override
    public void close() {
        downloads.close();
        train.close();
        ctx.session.close();
    }
}
