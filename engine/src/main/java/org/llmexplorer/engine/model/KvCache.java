package org.llmexplorer.engine.model;

/**
 * Keys and values of every layer for positions [0, capacity). Position p of a layer starts at
 * p * kvDim in that layer's arrays; heads follow each other within a position.
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    final int kvDim;
    final int capacity;

    public KvCache(int layers, int kvDim, int capacity) {
        this.kvDim = kvDim;
        this.capacity = capacity;
        this.keys = new float[layers][(int) ((long) capacity * kvDim)];
        this.values = new float[layers][(int) ((long) capacity * kvDim)];
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes held by the cache. */
    public long bytes() {
        return 2L * keys.length * capacity * kvDim * Float.BYTES;
    }
}
