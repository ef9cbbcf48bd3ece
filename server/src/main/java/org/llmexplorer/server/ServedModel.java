package org.llmexplorer.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.WarmUp;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.session.Prompts;

/**
 * The model the server runs, and the one thread that runs it. Requests wait in a first-come
 * first-served queue and run one at a time, each from a clean context, so that a reply never
 * depends on which clients came before (greedy replies are the same served alone or among many).
 */
final class ServedModel implements AutoCloseable {
    final String id;
    final Model model;
    final Compute ops;
    final ChatTemplate template;
    final int contextLength;
    final long created;
    private final Generator generator;
    private final ExecutorService worker;
    private final AtomicInteger waiting = new AtomicInteger();
    private final int maxWaiting;

    ServedModel(Path path, String id, String backend, int threads, int ctx, int maxWaiting) throws IOException {
        this.model = Model.open(path);
        Compute c = null;
        try {
            c = Backends.create(backend, threads);
            this.template = Prompts.templateOf(model);
            WarmUp.ready(model, c, (phase, fraction) -> { }); // repacked and compiled before the first request
        } catch (IOException | RuntimeException e) {
            if (c != null) {
                c.close();
            }
            model.close();
            throw e;
        }
        this.ops = c;
        this.id = id;
        this.contextLength = Math.max(1, Math.min(ctx > 0 ? ctx : 4096, model.config().contextLength()));
        this.created = Files.getLastModifiedTime(path).toMillis() / 1000;
        this.generator = new Generator(model, ops, contextLength);
        this.maxWaiting = maxWaiting;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "llmx-serve-engine");
            t.setDaemon(true);
            return t;
        });
    }

    /** Work that runs on the engine's thread with its generator. */
    interface Task {
        void run(Generator generator) throws Exception;
    }

    /** Queues a task; refused with 503 when too many are waiting already. */
    Future<?> submit(Task task) {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            throw new ApiException(503, "server_error", "the server is busy: " + maxWaiting
                    + " requests are waiting; try again later", null, "server_busy");
        }
        return worker.submit(() -> {
            waiting.decrementAndGet();
            generator.forget();
            task.run(generator);
            return null;
        });
    }

    int waiting() {
        return waiting.get();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ops.close();
        model.close();
    }
}
