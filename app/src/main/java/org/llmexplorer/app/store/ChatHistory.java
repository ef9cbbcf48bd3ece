package org.llmexplorer.app.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.llmexplorer.engine.session.Message;

/**
 * Every conversation, one JSON file each ({@code chats/ID.json}, written atomically), and an
 * index of their titles and texts for the history list and its search ({@code chats/index.json}).
 * An index that is missing or cannot be read is rebuilt from the chat files, so a crash loses at
 * most the change being written.
 */
public final class ChatHistory {
    /** Characters of a conversation's text the index keeps for searching. */
    static final int SEARCH_TEXT = 4000;

    /** One line of the history list. */
    public record Entry(String id, String title, String model, long created, long updated, int messages,
                        String text) {
        /** Whether the title or the conversation contains every word of the query (case ignored). */
        public boolean matches(String query) {
            if (query == null || query.isBlank()) {
                return true;
            }
            String hay = (title + "\n" + text).toLowerCase(Locale.ROOT);
            for (String word : query.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
                if (!hay.contains(word)) {
                    return false;
                }
            }
            return true;
        }
    }

    private record Index(List<Entry> entries) {
    }

    private final Path dir;
    private final Consumer<String> notice;
    private List<Entry> entries;

    public ChatHistory(Path dir, Consumer<String> notice) {
        this.dir = dir;
        this.notice = notice;
    }

    private Path index() {
        return dir.resolve("index.json");
    }

    private Path file(String id) {
        return dir.resolve(id + ".json");
    }

    /** A new id: time first, so file names sort by age. */
    public static String newId() {
        return java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    /** The conversations, most recently changed first. */
    public synchronized List<Entry> entries() {
        if (entries == null) {
            Index read = Files.exists(index()) ? JsonStore.read(index(), Index.class, null, notice) : null;
            entries = new ArrayList<>(read != null && read.entries() != null ? read.entries() : List.of());
            if (read == null && Files.isDirectory(dir)) {
                rebuild();
            }
        }
        List<Entry> out = new ArrayList<>(entries);
        out.sort(Comparator.comparingLong(Entry::updated).reversed());
        return out;
    }

    /** Reads every chat file back into the index (chats saved by hand before the history existed too). */
    private void rebuild() {
        entries.clear();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json") && !f.equals(index())).sorted().toList()) {
                try {
                    SavedChat c = JsonStore.mapper().readValue(p.toFile(), SavedChat.class);
                    String id = p.getFileName().toString().replaceFirst("\\.json$", "");
                    entries.add(entry(new SavedChat(id, c.title(), c.model(), c.created() == 0 ? c.savedAt() : c.created(),
                            c.savedAt(), c.messages())));
                } catch (IOException | RuntimeException e) {
                    notice.accept(p.getFileName() + " is not a chat this version can read (" + e.getMessage() + ")");
                }
            }
            writeIndex();
        } catch (IOException e) {
            notice.accept("the chat history could not be read: " + e.getMessage());
        }
    }

    static Entry entry(SavedChat c) {
        StringBuilder text = new StringBuilder();
        for (Message m : c.messages()) {
            if (text.length() >= SEARCH_TEXT) {
                break;
            }
            text.append(m.text()).append('\n');
        }
        String t = text.length() > SEARCH_TEXT ? text.substring(0, SEARCH_TEXT) : text.toString();
        return new Entry(c.id(), c.title() == null || c.title().isBlank() ? "untitled" : c.title(), c.model(),
                c.created(), c.savedAt(), c.messages().size(), t);
    }

    /** Writes a conversation (new or changed) and its line in the index. */
    public synchronized Entry save(SavedChat chat) throws IOException {
        entries();
        JsonStore.write(file(chat.id()), chat);
        Entry e = entry(chat);
        entries.removeIf(x -> x.id().equals(chat.id()));
        entries.add(e);
        writeIndex();
        return e;
    }

    public SavedChat load(String id) throws IOException {
        Path f = file(id);
        if (!Files.exists(f)) {
            throw new IOException("chat " + id + " is no longer in " + dir);
        }
        SavedChat c = JsonStore.mapper().readValue(f.toFile(), SavedChat.class);
        return new SavedChat(id, c.title(), c.model(), c.created(), c.savedAt(), c.messages());
    }

    public synchronized void rename(String id, String title) throws IOException {
        SavedChat c = load(id);
        save(new SavedChat(id, title, c.model(), c.created(), c.savedAt(), c.messages()));
    }

    public synchronized void delete(String id) throws IOException {
        entries();
        Files.deleteIfExists(file(id));
        entries.removeIf(x -> x.id().equals(id));
        writeIndex();
    }

    private void writeIndex() {
        try {
            JsonStore.write(index(), new Index(entries));
        } catch (IOException e) {
            notice.accept("the chat history index could not be written: " + e.getMessage());
        }
    }
}
