package org.llmexplorer.app.viewmodel;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.store.JsonStore;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.model.KvCache;
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
    /** Work whose failure its own panel shows: the status line says it, no alert is raised. */
    private static final Set<String> QUIET = Set.of("resample", "attention", "tokenize", DeeperViewModel.TASK);

    private final AppContext ctx;
    public final ModelViewModel model;
    public final ChatViewModel chat;
    public final SamplingViewModel sampling = new SamplingViewModel();
    public final InspectorViewModel inspector;
    public final AttentionViewModel attention;
    public final HistoryViewModel history;
    public final DownloadsViewModel downloads;
    public final TrainViewModel train;
    public final DeeperViewModel deeper;
    private final ReadOnlyStringWrapper notice = new ReadOnlyStringWrapper("");
    private final ObservableList<String> alerts = FXCollections.observableArrayList();

    public ExplorerViewModel(Executor ui, AppDirs dirs) {
        StringBuilder startupNotice = new StringBuilder();
        Settings settings = JsonStore.read(dirs.config().resolve("settings.json"), Settings.class, new Settings(),
                startupNotice::append);
        ChatSession session = new ChatSession(new Bridge());
        this.ctx = new AppContext(session, ui, dirs, settings);
        ctx.onNotice(notice::set, this::alert);
        model = new ModelViewModel(ctx);
        chat = new ChatViewModel(ctx);
        inspector = new InspectorViewModel(ctx, chat, sampling);
        attention = new AttentionViewModel(ctx);
        history = new HistoryViewModel(ctx, chat);
        downloads = new DownloadsViewModel(ctx);
        train = new TrainViewModel(ctx);
        deeper = new DeeperViewModel(ctx);
        chat.onChange(() -> {
            history.saveCurrent();
            attention.conversationChanged();
            inspector.conversationChanged();
        }, history::streaming);
        sampling.tokenizer(session::tokenize, ui);
        sampling.load(settings);
        attention.mask.set(settings.mask == null ? "" : settings.mask);
        attention.apply();
        pushSampling();
        sampling.onChange(() -> {
            pushSampling();
            sampling.store(settings);
            ctx.saveSettings();
            inspector.settingsChanged();
        });
        if (!startupNotice.isEmpty()) {
            alert(startupNotice.toString());
        }
        history.reopenLast();
    }

    private void pushSampling() {
        ctx.session.settings(sampling.settings(), sampling.seedLocked.get(), sampling.maxTokens.get());
        ctx.session.beams(sampling.beams.get());
        ctx.session.kvCache(sampling.kvCache.get());
        ctx.session.contextLimit(sampling.contextLimit.get());
    }

    /** The latest passing message for the status line. */
    public ReadOnlyStringProperty noticeProperty() {
        return notice.getReadOnlyProperty();
    }

    /** Messages that stay on screen until dismissed: failures, a settings file set aside. */
    public ObservableList<String> alerts() {
        return alerts;
    }

    public void dismiss(String alert) {
        alerts.remove(alert);
    }

    private void alert(String message) {
        notice.set(message);
        if (!alerts.contains(message)) {
            alerts.add(message);
        }
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
                attention.modelOpened(summary.trainedMask(), summary.layers(), summary.heads());
                chat.modelOpened(summary.name() == null || summary.name().isBlank()
                        ? summary.path().getFileName().toString() : summary.name(), summary.chatTemplate());
                // the status bar's "context used / capacity" says the capacity before the first reply
                chat.context(chat.contextUsedProperty().get(), summary.contextCapacity());
                notice.set(summary.chatTemplate()
                        ? "chat mode: the conversation is rendered with the model's chat template"
                        : "completion mode: this model has no chat template, so it continues the conversation as text");
            });
        }

        @Override
        public void reading(int messageIndex, int done, int total) {
            ctx.ui.execute(() -> chat.reading(done, total));
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
                inspector.messagesDropped(dropped);
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
            String msg = org.llmexplorer.engine.Errors.describe(error);
            String text = what + " failed: " + msg;
            ctx.ui.execute(() -> {
                if (QUIET.contains(what)) {
                    notice.set(text);
                } else {
                    alert(text);
                }
            });
        }
    }

    @Override
    public void close() {
        try {
            history.saveCurrent();
            history.flush().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the saver reports what it could not write
        }
        model.stopServing();
        downloads.close();
        train.close();
        ctx.session.close();
        ctx.saver.close();
    }
}
