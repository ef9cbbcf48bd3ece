package org.llmexplorer.app.download;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
    ServerSocket server;
    byte[] model;
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final AtomicInteger drops = new AtomicInteger();
    volatile int delayMillisPer64k;
    volatile boolean corruptBytes;
    volatile String linkedEtag;

    /**
     * A small HTTP/1.1 server on a plain socket, so that a connection can really be cut in the
     * middle of a body (the JDK's HttpServer always finishes or resets politely).
     */
    @BeforeEach
    void serve() throws IOException {
        model = Files.readAllBytes(MODEL);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> handle(s));
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        accept.setDaemon(true);
        accept.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private void handle(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            String request = in.readLine();
            String range = null;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase().startsWith("range:")) {
                    range = line.substring(6).trim();
                }
            }
            ranges.add(String.valueOf(range));
            OutputStream out = socket.getOutputStream();
            if (request == null || request.contains("missing.gguf")) {
                out.write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
            byte[] body = model.clone();
            if (corruptBytes) {
                body[body.length / 2] ^= 0x55;
            }
            int from = range != null ? Integer.parseInt(range.substring(6, range.indexOf('-'))) : 0;
            StringBuilder head = new StringBuilder(range != null ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n");
            head.append("Content-Length: ").append(body.length - from).append("\r\n");
            if (range != null) {
                head.append("Content-Range: bytes ").append(from).append('-').append(body.length - 1).append('/')
                        .append(body.length).append("\r\n");
            }
            if (linkedEtag != null) {
                head.append("X-Linked-ETag: \"").append(linkedEtag).append("\"\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            boolean dropThisOne = drops.getAndDecrement() > 0;
            for (int i = from; i < body.length; i += 65536) {
                if (dropThisOne && i - from > (body.length - from) / 2) {
                    out.flush();
                    socket.setSoLinger(true, 0); // cut: the client sees the body end early
                    return;
                }
                out.write(body, i, Math.min(65536, body.length - i));
                out.flush();
                if (delayMillisPer64k > 0) {
                    Thread.sleep(delayMillisPer64k);
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away (pause, cancel)
        }
    }

    URI uri(String name) {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/models/" + name);
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
        delayMillisPer64k = 40;
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
            delayMillisPer64k = 0;
            events.clear();
            m.resume(d.id());
            Download done = awaitFinal(events);
            assertEquals(Download.State.DONE, done.state(), done.message());
            assertArrayEquals(model, Files.readAllBytes(folder.resolve("slow.gguf")));
            assertTrue(ranges.getLast().equals("bytes=" + partSize + "-"), ranges.toString());

            delayMillisPer64k = 40;
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
