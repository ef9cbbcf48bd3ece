package org.llmexplorer.engine.compute;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fork-join for the hot loops of a forward pass: {@code threads - 1} long-lived workers
 * plus the calling thread share each job. Workers spin briefly between jobs (a token's matrix
 * products come back to back) and park when idle, so an idle engine uses no CPU.
 *
 * <p>Jobs are split into chunks handed out from an atomic counter, so a preempted thread does
 * not hold the others back.
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over chunk indices; {@code worker} is in [0, threads). */
    @FunctionalInterface
    public interface Task {
        void run(int index, int worker);
    }

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger unfinished = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Task task;
    private volatile int count;
    private volatile Throwable failure;

    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("llmx-compute-" + worker).unstarted(() -> workLoop(worker));
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs task(i, worker) for every i in [0, n) and returns when all are done. Not reentrant. */
    public void forEach(int n, Task body) {
        if (n <= 0) {
            return;
        }
        if (threads == 1 || n == 1) {
            for (int i = 0; i < n; i++) {
                body.run(i, 0);
            }
            return;
        }
        task = body;
        count = n;
        failure = null;
        next.set(0);
        unfinished.set(workers.length);
        generation++;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        drain(body, n, 0);
        while (unfinished.get() > 0) {
            Thread.onSpinWait();
        }
        task = null;
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new RuntimeException(f);
        }
    }

    private void drain(Task body, int n, int worker) {
        try {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                body.run(i, worker);
            }
        } catch (Throwable t) {
            failure = t;
            next.set(n);
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            while (generation == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(this, 50_000_000L);
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            drain(task, count, worker);
            unfinished.decrementAndGet();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
