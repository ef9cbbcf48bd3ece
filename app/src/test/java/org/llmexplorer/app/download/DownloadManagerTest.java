package org.llmexplorer.app.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download manager against a real HTTP server on 127.0.0.1 serving the stories model. */
class DownloadManagerTest {
    static final Path MODEL = Path.of("..", "shared", "models", "stories260K.gguf");

    @TempDir
    Path folder;
    HttpServer server;
    byte[] model;
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final AtomicInteger drops = new AtomicInteger();
    volatile int delayMicrosPerChunk;
    volatile boolean corruptBytes;
    volatile String linkedEtag;

    @BeforeEach
    void serve() throws IOException {
        model = Files.readAllBytes(MODEL);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(String.valueOf(range));
        if (ex.getRequestURI().getPath().endsWith("missing.gguf")) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        byte[] body = model.clone();
        if (corruptBytes) {
            body[body.length / 2] ^= 0x55;
        }
        int from = 0;
        if (range != null && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
        }
        if (linkedEtag != null) {
            ex.getResponseHeaders().add("X-Linked-ETag", "\"" + linkedEtag + "\"");
        }
        ex.sendResponseHeaders(range != null ? 206 : 200, body.length - from);
        try (OutputStream out = ex.getResponseBody()) {
            boolean dropThisOne = drops.getAndDecrement() > 0;
            for (int i = from; i < body.length; i += 4096) {
                int n = Math.min(4096, body.length - i);
                if (dropThisOne && i - from > (body.length - from) / 2) {
                    ex.getHttpContext().getServer(); // the connection drops mid-body
                    throw new IOException("dropped on purpose");
                }
                out.write(body, i, n);
                out.flush();
                if (delayMicrosPerChunk > 0) {
                    try {
                        Thread.sleep(0, Math.min(999_999, delayMicrosPerChunk * 1000));
                        Thread.sleep(delayMicrosPerChunk / 1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            ex.close();
        }
    }

    URI uri(String name) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/models/" + name);
    }

    static Download awaitFinal(List<Download> events) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (!events.isEmpty()) {
                Download last = events.getLast();
                if (last.state() != Download.State.RUNNING) {
                    return last;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("download did not finish: " + (events.isEmpty() ? "no events" : events.getLast()));
    }

    @Test
    void resumesAfterADroppedConnectionAndVerifies() throws Exception {
        drops.set(1);
        List<Download> events = new CopyOnWriteArrayList<>();
        String sha = DownloadManager.sha256(MODEL);
        try (DownloadManager m = new DownloadManager(folder, events::add)) {
            m.start(uri("stories.gguf"), null, sha);
            Download last = awaitFinal(events);
            assertEquals(Download.State.DONE, last.state(), last.message());
            assertTrue(last.message().contains("checksum verified"));
        }
        assertArrayEquals(model, Files.readAllBytes(folder.resolve("stories.gguf")));
        assertTrue(ranges.stream().anyMatch(r -> r.startsWith("bytes=")), "the second request asked for a range: " + ranges);
        assertTrue(events.stream().anyMatch(d -> d.message().contains("resuming")));
        assertFalse(Files.exists(folder.resolve("stories.gguf.part")));
    }

    @Test
    void aCorruptedDownloadIsDetectedAndNotOffered() throws Exception {
        corruptBytes = true;
        List<Download> events = new CopyOnWriteArrayList<>();
        try (DownloadManager m = new DownloadManager(folder, events::add)) {
            m.start(uri("stories.gguf"), null, DownloadManager.sha256(MODEL));
            Download last = awaitFinal(events);
            assertEquals(Download.State.CORRUPT, last.state());
            assertTrue(last.message().contains("checksum mismatch"), last.message());
        }
        assertFalse(Files.exists(folder.resolve("stories.gguf")), "never under the model's name");
        assertTrue(Files.exists(folder.resolve("stories.gguf.corrupt")));

        // The server's own checksum header is used when the catalogue has none.
        corruptBytes = true;
        linkedEtag = DownloadManager.sha256(MODEL);
        events.clear();
        try (DownloadManager m = new DownloadManager(folder, events::add)) {
            m.start(uri("again.gguf"), null, null);
            assertEquals(Download.State.CORRUPT, awaitFinal(events).state());
        }
    }

    @Test
    void pauseResumeAndCancel() throws Exception {
        delayMicrosPerChunk = 2000;
        List<Download> events = new CopyOnWriteArrayList<>();
        try (DownloadManager m = new DownloadManager(folder, events::add)) {
            Download d = m.start(uri("slow.gguf"), null, null);
            while (events.stream().noneMatch(e -> e.bytes() > 100_000)) {
                Thread.sleep(20);
            }
            m.pause(d.id());
            Download paused = awaitFinal(events);
            assertEquals(Download.State.PAUSED, paused.state());
            long partSize = Files.size(folder.resolve("slow.gguf.part"));
            assertTrue(partSize > 0 && partSize < model.length);
            delayMicrosPerChunk = 0;
            events.clear();
            m.resume(d.id());
            Download done = awaitFinal(events);
            assertEquals(Download.State.DONE, done.state(), done.message());
            assertArrayEquals(model, Files.readAllBytes(folder.resolve("slow.gguf")));
            assertTrue(ranges.getLast().equals("bytes=" + partSize + "-"), ranges.toString());

            delayMicrosPerChunk = 2000;
            events.clear();
            Download c = m.start(uri("cancel.gguf"), null, null);
            while (events.stream().noneMatch(e -> e.bytes() > 50_000)) {
                Thread.sleep(20);
            }
            m.cancel(c.id());
            assertEquals(Download.State.CANCELLED, awaitFinal(events).state());
            assertFalse(Files.exists(folder.resolve("cancel.gguf.part")));
        }
    }

    @Test
    void refusesWhatIsNotAGgufOverHttp() throws Exception {
        List<Download> events = new CopyOnWriteArrayList<>();
        try (DownloadManager m = new DownloadManager(folder, events::add)) {
            assertThrows(IllegalArgumentException.class, () -> m.start(URI.create("ftp://host/x.gguf"), null, null));
            assertThrows(IllegalArgumentException.class, () -> m.start(uri("notes.txt"), null, null));
            m.start(uri("missing.gguf"), null, null);
            Download last = awaitFinal(events);
            assertEquals(Download.State.FAILED, last.state());
            assertTrue(last.message().contains("HTTP 404"), last.message());
        }
    }
}
