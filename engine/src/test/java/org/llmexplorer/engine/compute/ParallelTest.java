package org.llmexplorer.engine.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
