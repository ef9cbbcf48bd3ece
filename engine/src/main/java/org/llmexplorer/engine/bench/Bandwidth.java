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
            int chunks = threads * 4;
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
        // Four independent sums, so that the adds' latency does not limit the reading.
        FloatVector a = FloatVector.zero(F);
        FloatVector b = a;
        FloatVector c = a;
        FloatVector d = a;
        int step = F.vectorByteSize();
        for (long i = from; i + 4L * step <= from + length; i += 4L * step) {
            a = a.add(FloatVector.fromMemorySegment(F, m, i, ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, m, i + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, m, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, m, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c.add(d)).lane(0);
    }
}
