package org.llmexplorer.engine.compute;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A small fork-join for the hot loops of a forward pass: {@code threads - 1} long-lived workers
 * plus the calling thread share each job. Workers spin briefly between jobs (a token's matrix
 * products come back to back) and park when idle, so an idle engine uses no CPU.
 *
 * <p>Jobs are split into chunks handed out from an atomic counter, so a preempted thread does
 * not hold the others back; and the caller waits only for chunks being run, not for workers
 * that have not come to the job yet. A worker off its core when a job starts (the window's
 * thread took it) would otherwise hold every job until the scheduler brought it back, though
 * the caller had run all the chunks itself: on two cores, with the window drawing each token,
 * that made two threads slower than one (11.0 against 14.1 tokens/s).
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over chunk indices; {@code worker} is in [0, threads). */
    @FunctionalInterface
    public interface Task {
        void run(int index, int worker);
    }

    /**
     * One forEach: its chunks, handed out in order, and the threads inside it. A thread enters
     * before it takes a chunk, so once every chunk is taken and no thread is inside, the job is
     * done; a worker that comes later finds nothing to take and leaves.
     */
    static final class Job {
        private final Task body;
        private final int n;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger inside = new AtomicInteger();
        private volatile Throwable failure;

        Job(Task body, int n) {
            this.body = body;
            this.n = n;
        }

        /** Takes and runs chunks until none is left. */
        void work(int worker) {
            inside.incrementAndGet();
            try {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    body.run(i, worker);
                }
            } catch (Throwable t) {
                failure = t;
                next.set(n);
            } finally {
                inside.decrementAndGet();
            }
        }

        /** After the caller's own {@link #work}: waits for the chunks other threads still run. */
        void awaitChunks() {
            long start = System.nanoTime();
            while (inside.get() > 0) {
                pause(start);
            }
        }

        Throwable failure() {
            return failure;
        }
    }

    private static final long SPIN_NANOS = 200_000;
    private static final long BUSY_NANOS = 20_000;

    /**
     * One turn of a wait that began at {@code since}: a busy spin at first, then a yield, so a
     * thread that waits for a core (a worker in the middle of a chunk, the caller with the next
     * job, the window) gets this one rather than watching it spin.
     */
    static void pause(long since) {
        if (System.nanoTime() - since < BUSY_NANOS) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    private final int threads;
    private final Thread[] workers;
    private volatile Job job;
    private volatile boolean closed;

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
        Job j = new Job(body, n);
        job = j;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        j.work(0);
        j.awaitChunks();
        Throwable f = j.failure();
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

    private void workLoop(int worker) {
        Job seen = null;
        while (true) {
            long spinStart = System.nanoTime();
            Job j;
            while ((j = job) == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    pause(spinStart);
                } else {
                    LockSupport.parkNanos(this, 50_000_000L);
                }
            }
            if (closed) {
                return;
            }
            seen = j;
            j.work(worker);
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
