package org.llmexplorer.app.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.function.Consumer;

/**
 * JSON files that are written atomically (a temporary file moved over the old one, so a crash
 * mid-write leaves the old file) and read forgivingly: a file that cannot be read is moved
 * aside, the caller gets the default and a notice, and nothing else is lost.
 */
public final class JsonStore {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private JsonStore() {
    }

    public static <T> void write(Path file, T value) throws IOException {
        writeBytes(file, MAPPER.writeValueAsBytes(value));
    }

    /** JSON text of a value, for writing later on another thread while the value goes on changing. */
    public static byte[] bytes(Object value) throws IOException {
        return MAPPER.writeValueAsBytes(value);
    }

    /** Writes bytes atomically: a temporary file moved over the old one. */
    public static void writeBytes(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true); // on disk before the move: a power cut leaves the old file or the new, never an empty one
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Reads a file, or returns {@code fallback} when it does not exist. A file that exists but
     * cannot be parsed is renamed to NAME.corrupt-TIMESTAMP and {@code notice} is told so.
     */
    public static <T> T read(Path file, Class<T> type, T fallback, Consumer<String> notice) {
        if (!Files.exists(file)) {
            return fallback;
        }
        try {
            T value = MAPPER.readValue(file.toFile(), type);
            return value == null ? fallback : value;
        } catch (IOException | RuntimeException e) {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + stamp);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                notice.accept(file.getFileName() + " could not be read (" + firstLine(e) + "); it was kept as "
                        + aside.getFileName() + " and defaults are used");
            } catch (IOException moveFailed) {
                notice.accept(file.getFileName() + " could not be read (" + firstLine(e) + ") and not moved aside: "
                        + moveFailed.getMessage());
            }
            return fallback;
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
