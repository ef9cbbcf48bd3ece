package org.llmexplorer.app.viewmodel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import org.llmexplorer.app.store.ChatHistory;
import org.llmexplorer.app.store.JsonStore;
import org.llmexplorer.app.store.SavedChat;
import org.llmexplorer.engine.session.Message;

/**
 * Every conversation, saved as it changes: the history list (searchable, newest first), the
 * conversation on screen, reopening, renaming, deleting, importing and exporting. The chat open
 * when the application closed (or crashed) is there again at the next start.
 */
public final class HistoryViewModel {
    /** While a reply streams, it is saved at most this often. */
    static final long STREAM_SAVE_MILLIS = 2000;

    private final AppContext ctx;
    private final ChatViewModel chat;
    private final ChatHistory history;
    private final ObservableList<ChatHistory.Entry> entries = FXCollections.observableArrayList();
    private final FilteredList<ChatHistory.Entry> shown = new FilteredList<>(entries);
    public final StringProperty search = new SimpleStringProperty("");
    private final ReadOnlyStringWrapper current = new ReadOnlyStringWrapper();
    private String title;
    private long created;
    private long lastStreamSave;
    /** What was last saved or opened: a conversation only shown again is not saved again (its place in the list stays). */
    private List<Message> lastSaved = List.of();

    HistoryViewModel(AppContext ctx, ChatViewModel chat) {
        this.ctx = ctx;
        this.chat = chat;
        this.history = new ChatHistory(ctx.dirs.chats(), ctx::alert);
        search.addListener((o, a, b) -> shown.setPredicate(e -> e.matches(b)));
        entries.setAll(history.entries());
    }

    /** The history list as shown: the search applied. */
    public ObservableList<ChatHistory.Entry> entries() {
        return shown;
    }

    /** The id of the conversation on screen (null until it is first saved). */
    public ReadOnlyStringProperty currentProperty() {
        return current.getReadOnlyProperty();
    }

    /** Saves the conversation on screen (on the saver's thread); a new one gets an id and a title from its first words. */
    public void saveCurrent() {
        List<Message> messages = ctx.session.conversation();
        if (messages.isEmpty() || messages.equals(lastSaved)) {
            return;
        }
        lastSaved = messages;
        if (current.get() == null) {
            current.set(ChatHistory.newId());
            created = System.currentTimeMillis();
            title = titleOf(messages);
            ctx.settings.lastChat = current.get();
            ctx.saveSettings();
        }
        SavedChat c = new SavedChat(current.get(), title, ctx.settings.lastModel, created, System.currentTimeMillis(),
                messages);
        ctx.saver.write("chat " + c.id(), () -> {
            ChatHistory.Entry e = history.save(c);
            ctx.ui.execute(() -> {
                entries.removeIf(x -> x.id().equals(e.id()));
                entries.addFirst(e);
            });
        });
    }

    /** While a reply streams: saved now and then, so a crash loses little of it. */
    void streaming() {
        long now = System.currentTimeMillis();
        if (now - lastStreamSave >= STREAM_SAVE_MILLIS) {
            lastStreamSave = now;
            saveCurrent();
        }
    }

    static String titleOf(List<Message> messages) {
        String first = messages.getFirst().text().strip().replaceAll("\\s+", " ");
        return first.isEmpty() ? "untitled" : first.length() > 48 ? first.substring(0, 47) + "…" : first;
    }

    /** Starts an empty conversation; the one on screen stays in the history. */
    public void newChat() {
        if (chat.generatingProperty().get()) {
            chat.stop();
        }
        current.set(null);
        title = null;
        lastSaved = List.of();
        chat.clear();
        ctx.settings.lastChat = null;
        ctx.saveSettings();
    }

    /** Reopens a conversation from the history (read off the UI thread). */
    public CompletableFuture<Void> open(String id) {
        if (chat.generatingProperty().get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("a reply is being written; stop it first"));
        }
        return ctx.saver.submit(() -> history.load(id)).thenAccept(c -> ctx.ui.execute(() -> {
            current.set(c.id());
            title = c.title();
            created = c.created();
            lastSaved = c.messages();
            chat.show(c.messages());
            ctx.settings.lastChat = c.id();
            ctx.saveSettings();
        })).whenComplete((x, e) -> {
            if (e != null) {
                ctx.alert("could not open the chat: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            }
        });
    }

    /** The conversation open when the application last closed, if it is still in the history. */
    CompletableFuture<Void> reopenLast() {
        String last = ctx.settings.lastChat;
        if (last == null || entries.stream().noneMatch(e -> e.id().equals(last))) {
            return CompletableFuture.completedFuture(null);
        }
        return open(last);
    }

    public CompletableFuture<Void> rename(String id, String newTitle) {
        String t = newTitle == null || newTitle.isBlank() ? "untitled" : newTitle.strip();
        if (id.equals(current.get())) {
            title = t;
        }
        return ctx.saver.submit(() -> {
            history.rename(id, t);
            return null;
        }).thenRun(this::reload);
    }

    public CompletableFuture<Void> delete(String id) {
        if (id.equals(current.get())) {
            newChat();
        }
        return ctx.saver.submit(() -> {
            history.delete(id);
            return null;
        }).thenRun(this::reload);
    }

    private void reload() {
        List<ChatHistory.Entry> all = history.entries();
        ctx.ui.execute(() -> entries.setAll(all));
    }

    /** Completes when every save queued so far is written (for a clean exit and for tests). */
    public CompletableFuture<Void> flush() {
        return ctx.saver.flush();
    }

    /** Writes the conversation on screen as a chat file anywhere (the same format as the history's). */
    public void export(Path file) throws IOException {
        List<Message> messages = ctx.session.conversation();
        JsonStore.write(file, new SavedChat(current.get(), title == null && !messages.isEmpty() ? titleOf(messages) : title,
                ctx.settings.lastModel, created, System.currentTimeMillis(), messages));
    }

    /** Adds a chat file (written by {@link #export}, or by "Save chat" of earlier versions) to the history and opens it. */
    public CompletableFuture<Void> importChat(Path file) {
        return ctx.saver.submit(() -> {
            SavedChat c = JsonStore.mapper().readValue(file.toFile(), SavedChat.class);
            String id = ChatHistory.newId();
            String t = c.title() == null || c.title().isBlank() ? file.getFileName().toString() : c.title();
            long now = System.currentTimeMillis();
            history.save(new SavedChat(id, t, c.model(), c.created() == 0 ? now : c.created(), now, c.messages()));
            return id;
        }).thenCompose(id -> {
            reload();
            CompletableFuture<Void> opened = new CompletableFuture<>();
            ctx.ui.execute(() -> open(id).whenComplete((x, e) -> {
                if (e != null) {
                    opened.completeExceptionally(e);
                } else {
                    opened.complete(null);
                }
            }));
            return opened;
        });
    }
}
