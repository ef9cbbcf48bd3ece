package org.llmexplorer.engine.model;

/**
 * Keys and values of every layer for positions [0, capacity). Values are position-major: position
 * p of a layer starts at p * kvDim, heads following each other. Keys are dimension-major: element
 * d of key/value head h at position p sits at (h * headDim + d) * capacity + p, so the keys of a
 * run of positions lie side by side and one query's scores over them are vector operations
 * (the attention kernels read them so; {@link #keysByPosition} gives the usual layout).
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

    /** Stores {@code count} new keys and values (position-major, count x kvDim) at positions startPos.. */
    void store(int layer, float[] k, float[] v, int count, int startPos) {
        float[] kl = keys[layer];
        for (int t = 0; t < count; t++) {
            int p = startPos + t;
            for (int i = 0; i < kvDim; i++) {
                kl[i * capacity + p] = k[t * kvDim + i];
            }
        }
        System.arraycopy(v, 0, values[layer], startPos * kvDim, count * kvDim);
    }

    /** The keys of positions [0, positions) of a layer, position-major (p * kvDim + i), into out. */
    public void keysByPosition(int layer, int positions, float[] out) {
        float[] kl = keys[layer];
        for (int i = 0; i < kvDim; i++) {
            for (int p = 0; p < positions; p++) {
                out[p * kvDim + i] = kl[i * capacity + p];
            }
        }
    }

    /** Sets the keys of positions [0, positions) of a layer from position-major values. */
    public void keysFromPositions(int layer, float[] in, int positions) {
        float[] kl = keys[layer];
        for (int i = 0; i < kvDim; i++) {
            for (int p = 0; p < positions; p++) {
                kl[i * capacity + p] = in[p * kvDim + i];
            }
        }
    }

    /** Copies positions [0, positions) of every layer from another cache of the same model. */
    void copyFrom(KvCache other, int positions) {
        for (int l = 0; l < keys.length; l++) {
            for (int i = 0; i < kvDim; i++) {
                System.arraycopy(other.keys[l], i * other.capacity, keys[l], i * capacity, positions);
            }
            System.arraycopy(other.values[l], 0, values[l], 0, positions * kvDim);
        }
    }
}
