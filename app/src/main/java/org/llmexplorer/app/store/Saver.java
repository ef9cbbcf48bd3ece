package org.llmexplorer.app.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes files on a thread of its own, so that saving never holds up the window. Writes to the
 * same target are coalesced: while one waits, a newer one replaces it (a slider dragged across
 * its range writes the settings once or twice, not at every step).
 */
public final class Saver implements AutoCloseable {

    /** A write that may fail. */
    public interface Write {
        void run() throws Exception;
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "llmx-saver");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Write> pending = new LinkedHashMap<>();
    private final Consumer<String> failures;

    public Saver(Consumer<String> failures) {
        this.failures = failures;
    }

    /** Queues a write under a key; a queued write with the same key is replaced. */
    public void write(String key, Write w) {
        if (thread.isShutdown()) {
            return; // closing: the last state was written by whoever closed
        }
        boolean schedule;
        synchronized (pending) {
            schedule = pending.put(key, w) == null;
        }
        if (schedule) {
            thread.execute(() -> {
                Write latest;
                synchronized (pending) {
                    latest = pending.remove(key);
                }
                if (latest != null) {
                    try {
                        latest.run();
                    } catch (Exception e) {
                        failures.accept(key + " could not be saved: " + e.getMessage());
                    }
                }
            });
        }
    }

    /** Runs work on the saver's thread, after the writes queued before it. */
    public <T> CompletableFuture<T> submit(java.util.concurrent.Callable<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (thread.isShutdown()) {
            f.completeExceptionally(new IllegalStateException("the application is closing"));
            return f;
        }
        thread.execute(() -> {
            try {
                f.complete(work.call());
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Completes when every write queued so far is done. */
    public CompletableFuture<Void> flush() {
        return submit(() -> null);
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                failures.accept("some files were still being written when the application closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
