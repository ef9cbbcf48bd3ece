package org.llmexplorer.engine.compute;

/**
 * How cached keys lie in memory for the attention kernels: in blocks of {@link #BLOCK}
 * positions, dimension-major within a block. Element d of the key at position p of one
 * key/value head is at {@link #index}(p, d, headDim) from the start of that head's keys. The
 * keys of a run of positions lie side by side (one query's scores over them are vector
 * operations) and a block is one stretch of memory the prefetcher follows.
 */
public final class KeyBlocks {
    /** Positions per block. */
    public static final int BLOCK = 16;

    private KeyBlocks() {
    }

    public static int index(int p, int d, int headDim) {
        return (p / BLOCK * headDim + d) * BLOCK + p % BLOCK;
    }

    /** Floats that keys of {@code capacity} positions of one head take (whole blocks). */
    public static int span(int capacity, int headDim) {
        return (capacity + BLOCK - 1) / BLOCK * BLOCK * headDim;
    }
}
