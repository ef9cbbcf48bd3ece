package org.llmexplorer.engine.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void runsEveryIndexExactlyOnce() {
        try (Parallel p = new Parallel(3)) {
            for (int round = 0; round < 200; round++) {
                int n = round % 50 + 1;
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                p.forEach(n, (i, worker) -> seen.incrementAndGet(i));
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "index " + i + " in round " + round);
                }
            }
        }
    }

    @Test
    void failureInAWorkerReachesTheCaller() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forEach(100, (i, w) -> {
                if (i == 57) {
                    throw new IllegalStateException("boom at 57");
                }
            }));
            assertEquals("boom at 57", e.getMessage());
            // And the pool still works afterwards.
            AtomicIntegerArray seen = new AtomicIntegerArray(10);
            p.forEach(10, (i, w) -> seen.incrementAndGet(i));
            for (int i = 0; i < 10; i++) {
                assertEquals(1, seen.get(i));
            }
        }
    }

    /**
     * The caller waits for chunks being run, not for workers that have not come to the job: one
     * that comes after the caller took every chunk runs nothing, and the caller is not held.
     */
    @Test
    void theCallerWaitsForRunningChunksOnlyNotForLateWorkers() throws Exception {
        AtomicIntegerArray seen = new AtomicIntegerArray(8);
        AtomicInteger byLateWorker = new AtomicInteger();
        Parallel.Job job = new Parallel.Job((i, worker) -> {
            seen.incrementAndGet(i);
            if (worker == 1) {
                byLateWorker.incrementAndGet();
            }
        }, 8);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            job.work(0);
            job.awaitChunks(); // no worker has come: returns at once
        });
        job.work(1); // the worker comes late
        assertEquals(0, byLateWorker.get());
        for (int i = 0; i < 8; i++) {
            assertEquals(1, seen.get(i));
        }

        // And a chunk a worker is running is waited for.
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Parallel.Job slow = new Parallel.Job((i, worker) -> {
            if (i == 0) {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, 4);
        Thread w = Thread.ofPlatform().start(() -> slow.work(1));
        started.await();
        slow.work(0); // takes chunks 1..3
        Thread waiter = Thread.ofPlatform().start(slow::awaitChunks);
        waiter.join(200);
        assertTrue(waiter.isAlive(), "waits while chunk 0 runs");
        release.countDown();
        waiter.join(5000);
        w.join(5000);
        assertTrue(!waiter.isAlive());
    }
}
