package org.llmexplorer.engine.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.llmexplorer.engine.compute.Parallel;

/**
 * Measures how fast this machine reads memory: all threads sum disjoint parts of a buffer much
 * larger than the caches, the way a token's matrix products stream the weights.
 */
public final class Bandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private Bandwidth() {
    }

    /** Best of a few passes, in GB/s (10^9 bytes). */
    public static double readGigabytesPerSecond(int threads, long bytes) {
        try (Arena arena = Arena.ofShared(); Parallel parallel = new Parallel(threads)) {
            MemorySegment buffer = arena.allocate(bytes, 4096);
            buffer.fill((byte) 1);
            int chunks = threads * 16;
            long chunk = bytes / chunks / F.vectorByteSize() * F.vectorByteSize();
            float[] sink = new float[chunks];
            double best = 0;
            for (int pass = 0; pass < 5; pass++) {
                long t0 = System.nanoTime();
                parallel.forEach(chunks, (c, worker) -> sink[c] = sum(buffer, c * chunk, chunk));
                long t = System.nanoTime() - t0;
                best = Math.max(best, chunk * chunks / (double) t);
            }
            return best;
        }
    }

    private static float sum(MemorySegment m, long from, long length) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = FloatVector.zero(F);
        int step = F.vectorByteSize();
        for (long i = from; i + 2L * step <= from + length; i += 2L * step) {
            a = a.add(FloatVector.fromMemorySegment(F, m, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, m, i + step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).lane(0);
    }
}
