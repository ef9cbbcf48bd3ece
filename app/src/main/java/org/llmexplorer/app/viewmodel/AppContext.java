package org.llmexplorer.app.viewmodel;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.app.store.JsonStore;
import org.llmexplorer.app.store.Saver;
import org.llmexplorer.app.store.Settings;
import org.llmexplorer.engine.session.ChatSession;

/**
 * What the view models share: the session (the only way to the engine), the executor that runs
 * code on the UI thread, the application's folders and settings, the thread that writes files,
 * and where notices go: the status line for what passes, alerts for what must stay on screen
 * until the user dismisses it.
 */
public final class AppContext {
    final ChatSession session;
    final Executor ui;
    final AppDirs dirs;
    final Settings settings;
    final Saver saver;
    private Consumer<String> notices = m -> { };
    private Consumer<String> alerts = m -> { };

    AppContext(ChatSession session, Executor ui, AppDirs dirs, Settings settings) {
        this.session = session;
        this.ui = ui;
        this.dirs = dirs;
        this.settings = settings;
        this.saver = new Saver(this::alert);
    }

    void onNotice(Consumer<String> n, Consumer<String> a) {
        this.notices = n;
        this.alerts = a;
    }

    void notice(String message) {
        ui.execute(() -> notices.accept(message));
    }

    /** A message that stays on screen until dismissed (a failure, a file set aside). */
    void alert(String message) {
        ui.execute(() -> alerts.accept(message));
    }

    /** Writes the settings on the saver's thread (the latest state; bursts of changes coalesce). */
    public void saveSettings() {
        try {
            byte[] json = JsonStore.bytes(settings);
            saver.write("settings", () -> JsonStore.writeBytes(dirs.config().resolve("settings.json"), json));
        } catch (IOException e) {
            alert("settings could not be saved: " + e.getMessage());
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
