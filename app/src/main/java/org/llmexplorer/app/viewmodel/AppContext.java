package org.llmexplorer.app.viewmodel;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.store.JsonStore;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.session.ChatSession;

/**
 * What the view models share: the session (the only way to the engine), the executor that runs
 * code on the UI thread, the application's folders and settings, and where notices go.
 */
public final class AppContext {
    final ChatSession session;
    final Executor ui;
    final AppDirs dirs;
    final Settings settings;
    private Consumer<String> notices = m -> { };

    AppContext(ChatSession session, Executor ui, AppDirs dirs, Settings settings) {
        this.session = session;
        this.ui = ui;
        this.dirs = dirs;
        this.settings = settings;
    }

    void onNotice(Consumer<String> n) {
        this.notices = n;
    }

    void notice(String message) {
        ui.execute(() -> notices.accept(message));
    }

    void saveSettings() {
        try {
            JsonStore.write(dirs.config().resolve("settings.json"), settings);
        } catch (IOException e) {
            notice("settings could not be saved: " + e.getMessage());
        }
    }

    /** Shows a message in the status line (from any thread). */
    public void notifyUser(String message) {
        notice(message);
    }

    public Settings settings() {
        return settings;
    }

    public AppDirs dirs() {
        return dirs;
    }
}
