package org.llmexplorer.app.download;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.llmexplorer.engine.gguf.GgufFile;

/**
 * Downloads model files into the models folder: into NAME.part first, resumed with HTTP range
 * requests after a pause or a dropped connection, checked against a SHA-256 when the catalogue
 * or the server (Hugging Face's X-Linked-ETag) gives one, and opened as GGUF before it is
 * called done. A file that fails a check is renamed NAME.corrupt and never offered for loading.
 */
public final class DownloadManager implements AutoCloseable {
    private static final int RETRIES = 5;

    private final Path folder;
    private final HttpClient http;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "llmx-download");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Control> running = new ConcurrentHashMap<>();
    private final Consumer<Download> listener;

    private static final class Control {
        volatile boolean pause;
        volatile boolean cancel;
        volatile Download last;
        final String sha256;

        Control(String sha256) {
            this.sha256 = sha256;
        }
    }

    public DownloadManager(Path folder, Consumer<Download> listener) {
        this.folder = folder;
        this.listener = listener;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
    }

    public Path folder() {
        return folder;
    }

    /** Starts (or resumes) downloading uri to the models folder; sha256 may be null. */
    public Download start(URI uri, String fileName, String sha256) {
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("only http and https addresses can be downloaded, not " + uri);
        }
        String name = fileName != null ? fileName : Path.of(uri.getPath()).getFileName().toString();
        if (!name.endsWith(".gguf")) {
            throw new IllegalArgumentException("the address must name a .gguf file: " + uri);
        }
        Path file = folder.resolve(name);
        Control control = new Control(sha256);
        Download d = new Download(name, uri, file, Download.State.RUNNING, 0, -1, 0, "starting");
        control.last = d;
        running.put(name, control);
        workers.execute(() -> run(d, control));
        return d;
    }

    public void pause(String id) {
        Control c = running.get(id);
        if (c != null) {
            c.pause = true;
        }
    }

    /** Resumes a paused download where its .part file ends. */
    public Download resume(String id) {
        Control c = running.get(id);
        if (c == null || c.last.state() != Download.State.PAUSED) {
            throw new IllegalStateException("download " + id + " is not paused");
        }
        return start(c.last.uri(), id, c.sha256);
    }

    public void cancel(String id) {
        Control c = running.get(id);
        if (c != null) {
            c.cancel = true;
            if (c.last.state() == Download.State.PAUSED) {
                try {
                    Files.deleteIfExists(part(c.last.file()));
                } catch (IOException ignored) {
                    // the .part file stays; the next start resumes it
                }
                report(c, c.last.with(Download.State.CANCELLED, 0, c.last.total(), 0, "cancelled"));
            }
        }
    }

    static Path part(Path file) {
        return file.resolveSibling(file.getFileName() + ".part");
    }

    private void run(Download d, Control c) {
        Path part = part(d.file());
        String expected = c.sha256;
        long total = -1;
        int attempt = 0;
        while (true) {
            try {
                Files.createDirectories(folder);
                long have = Files.exists(part) ? Files.size(part) : 0;
                HttpRequest.Builder req = HttpRequest.newBuilder(d.uri()).timeout(Duration.ofMinutes(10)).GET();
                if (have > 0) {
                    req.header("Range", "bytes=" + have + "-");
                }
                HttpResponse<InputStream> resp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
                int status = resp.statusCode();
                if (status == 416 && have > 0) { // nothing left to fetch
                    resp.body().close();
                    total = have;
                } else {
                    if (status != 200 && status != 206) {
                        resp.body().close();
                        throw new HttpFailure(d.uri() + " answered HTTP " + status);
                    }
                    boolean append = status == 206;
                    if (!append) {
                        have = 0; // the server sent the whole file
                    }
                    total = totalSize(resp, have);
                    if (expected == null) {
                        expected = resp.headers().firstValue("x-linked-etag").map(v -> v.replace("\"", ""))
                                .filter(v -> v.matches("[0-9a-fA-F]{64}")).orElse(null);
                    }
                    if (!copy(resp.body(), part, append, have, total, d, c)) {
                        return; // paused or cancelled
                    }
                }
                finish(d, c, part, total, expected);
                return;
            } catch (HttpFailure e) {
                report(c, d.with(Download.State.FAILED, 0, total, 0, e.getMessage()));
                return;
            } catch (IOException | InterruptedException e) {
                if (c.cancel || c.pause || ++attempt > RETRIES) {
                    report(c, d.with(Download.State.FAILED, size(part), total, 0,
                            "download failed after " + attempt + " attempts: " + e.getMessage()));
                    return;
                }
                report(c, d.with(Download.State.RUNNING, size(part), total, 0,
                        "connection lost, resuming (attempt " + (attempt + 1) + ")"));
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static long totalSize(HttpResponse<?> resp, long have) {
        var range = resp.headers().firstValue("content-range");
        if (range.isPresent() && range.get().contains("/")) {
            String t = range.get().substring(range.get().indexOf('/') + 1).trim();
            if (!t.equals("*")) {
                return Long.parseLong(t);
            }
        }
        long length = resp.headers().firstValueAsLong("content-length").orElse(-1);
        return length < 0 ? -1 : length + have;
    }

    /** Copies the body into the .part file; false when paused or cancelled. */
    private boolean copy(InputStream body, Path part, boolean append, long have, long total, Download d, Control c)
            throws IOException {
        long bytes = have;
        long windowStart = System.nanoTime();
        long windowBytes = 0;
        double speed = 0;
        long lastReport = 0;
        try (InputStream in = body;
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                bytes += n;
                windowBytes += n;
                long now = System.nanoTime();
                if (now - windowStart > 500_000_000L) {
                    speed = windowBytes * 1e9 / (now - windowStart);
                    windowStart = now;
                    windowBytes = 0;
                }
                if (c.cancel) {
                    out.close();
                    Files.deleteIfExists(part);
                    report(c, d.with(Download.State.CANCELLED, 0, total, 0, "cancelled"));
                    return false;
                }
                if (c.pause) {
                    report(c, d.with(Download.State.PAUSED, bytes, total, 0, "paused"));
                    return false;
                }
                if (now - lastReport > 100_000_000L) {
                    lastReport = now;
                    report(c, d.with(Download.State.RUNNING, bytes, total, speed, "downloading"));
                }
            }
        }
        if (total > 0 && bytes < total) {
            throw new IOException("the connection closed after " + bytes + " of " + total + " bytes");
        }
        return true;
    }

    private void finish(Download d, Control c, Path part, long total, String sha256) throws IOException {
        long size = Files.size(part);
        if (sha256 != null) {
            String actual = sha256(part);
            if (!actual.equalsIgnoreCase(sha256)) {
                Path corrupt = corrupt(d.file(), part);
                report(c, d.with(Download.State.CORRUPT, size, total, 0, "checksum mismatch: expected " + sha256
                        + ", got " + actual + "; kept as " + corrupt.getFileName() + " and not loaded"));
                return;
            }
        }
        try (GgufFile ignored = GgufFile.open(part)) {
            // opened and validated: a real GGUF file
        } catch (IOException e) {
            Path corrupt = corrupt(d.file(), part);
            report(c, d.with(Download.State.CORRUPT, size, total, 0, "not a valid GGUF file (" + e.getMessage()
                    + "); kept as " + corrupt.getFileName() + " and not loaded"));
            return;
        }
        Files.move(part, d.file(), StandardCopyOption.REPLACE_EXISTING);
        report(c, d.with(Download.State.DONE, size, size, 0, sha256 != null ? "done, checksum verified" : "done"));
    }

    private static Path corrupt(Path file, Path part) throws IOException {
        Path corrupt = file.resolveSibling(file.getFileName() + ".corrupt");
        Files.move(part, corrupt, StandardCopyOption.REPLACE_EXISTING);
        return corrupt;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private void report(Control c, Download d) {
        c.last = d;
        listener.accept(d);
    }

    private static final class HttpFailure extends IOException {
        HttpFailure(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        running.values().forEach(c -> c.pause = true);
        workers.shutdownNow();
    }
}
