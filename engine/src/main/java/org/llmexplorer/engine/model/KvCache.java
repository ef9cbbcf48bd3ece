package org.llmexplorer.engine.model;

import org.llmexplorer.engine.compute.KeyBlocks;

/**
 * Keys and values of every layer for positions [0, capacity). Values are position-major: position
 * p of a layer starts at p * kvDim, heads following each other. Keys lie as
 * {@link KeyBlocks} says, one key/value head after another ({@link #keysByPosition} gives the
 * usual layout).
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    final int kvDim;
    final int headDim;
    final int capacity;
    /** Floats of one key/value head's keys (every block). */
    final int headSpan;

    public KvCache(int layers, int kvDim, int headDim, int capacity) {
        this.kvDim = kvDim;
        this.headDim = headDim;
        this.capacity = capacity;
        this.headSpan = KeyBlocks.span(capacity, headDim);
        this.keys = new float[layers][(int) ((long) headSpan * (kvDim / headDim))];
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
                kl[i / headDim * headSpan + KeyBlocks.index(p, i % headDim, headDim)] = k[t * kvDim + i];
            }
        }
        System.arraycopy(v, 0, values[layer], startPos * kvDim, count * kvDim);
    }

    /** The keys of positions [0, positions) of a layer, position-major (p * kvDim + i), into out. */
    public void keysByPosition(int layer, int positions, float[] out) {
        float[] kl = keys[layer];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < kvDim; i++) {
                out[p * kvDim + i] = kl[i / headDim * headSpan + KeyBlocks.index(p, i % headDim, headDim)];
            }
        }
    }

    /** Sets the keys of positions [0, positions) of a layer from position-major values. */
    public void keysFromPositions(int layer, float[] in, int positions) {
        float[] kl = keys[layer];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < kvDim; i++) {
                kl[i / headDim * headSpan + KeyBlocks.index(p, i % headDim, headDim)] = in[p * kvDim + i];
            }
        }
    }

    /** One layer's values: position p's kvDim values start at p * kvDim. */
    public float[] values(int layer) {
        return values[layer];
    }

    /** Copies positions [0, positions) of every layer from another cache of the same model. */
    void copyFrom(KvCache other, int positions) {
        int blocks = (positions + KeyBlocks.BLOCK - 1) / KeyBlocks.BLOCK; // whole blocks: later positions get written over
        for (int l = 0; l < keys.length; l++) {
            for (int h = 0; h < kvDim / headDim; h++) {
                System.arraycopy(other.keys[l], h * other.headSpan, keys[l], h * headSpan,
                        Math.min(blocks * KeyBlocks.BLOCK * headDim, Math.min(headSpan, other.headSpan)));
            }
            System.arraycopy(other.values[l], 0, values[l], 0, positions * kvDim);
        }
    }
}
