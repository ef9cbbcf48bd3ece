package org.llmexplorer.engine.model;

import org.llmexplorer.engine.compute.KeyBlocks;
import org.llmexplorer.engine.compute.HalfHead;
import org.llmexplorer.engine.compute.Q8_0Head;

/**
 * Keys and values of every layer for positions [0, capacity), one key/value head after another.
 * Within a head, values are position-major (position p of head h at h * valueSpan + p * headDim):
 * one query's attention then reads its head's values as one stretch of memory, not a slice of
 * every position's row (which ran at half the speed from memory). Keys lie as
 * {@link KeyBlocks} says. {@link #keysByPosition} and {@link #valuesByPosition} give the usual
 * layout (p * kvDim + i).
 *
 * <p>Stored as floats, in half precision ({@link Type#F16}: half the memory, and what llama.cpp
 * keeps by default) or in ggml's Q8_0 ({@link Type#Q8_0}: 8-bit codes with a scale for every 32,
 * as llama.cpp's {@code --cache-type-k/v q8_0}; the head dimension must be whole blocks of 32). A
 * half cache hands attention floats decoded a head at a time ({@link #decode}), its values the
 * floats rounded to the nearest half, ties to even, as ggml's conversion rounds them; a Q8_0
 * cache is read in place ({@link #q8Head}), each position quantized in blocks of 32 along the
 * head ({@link Q8_0Entries}).
 */
public final class KvCache {

    /** How keys and values are stored. */
    public enum Type { F32, F16, Q8_0 }

    final Type type;
    final float[][] keys;     // F32: the values themselves
    final float[][] values;
    final short[][] keys16;   // F16: their half-precision bits
    final short[][] values16;
    final Q8_0Entries keys8;  // Q8_0: codes and scales in key blocks, values by position, head after head
    final Q8_0Entries values8;
    final int kvDim;
    final int headDim;
    final int capacity;
    /** Entries of one key/value head's keys (every block). */
    final int headSpan;
    /** Entries of one key/value head's values (F32 and F16). */
    final int valueSpan;

    public KvCache(int layers, int kvDim, int headDim, int capacity) {
        this(layers, kvDim, headDim, capacity, Type.F32);
    }

    /** Whether a cache of this type can hold heads of headDim dimensions (Q8_0: whole blocks of 32). */
    public static boolean holds(Type type, int headDim) {
        return type != Type.Q8_0 || headDim % Q8_0Entries.BLOCK == 0;
    }

    public KvCache(int layers, int kvDim, int headDim, int capacity, Type type) {
        if (!holds(type, headDim)) {
            throw new IllegalArgumentException("a Q8_0 KV cache quantizes each head in blocks of "
                    + Q8_0Entries.BLOCK + " values, and this model's heads have " + headDim
                    + " (use F16 or F32)");
        }
        this.type = type;
        this.kvDim = kvDim;
        this.headDim = headDim;
        this.capacity = capacity;
        this.headSpan = KeyBlocks.span(capacity, headDim);
        this.valueSpan = capacity * headDim;
        int keyCount = (int) ((long) headSpan * (kvDim / headDim));
        int valueCount = (int) ((long) capacity * kvDim);
        boolean f32 = type == Type.F32;
        boolean half = type == Type.F16;
        boolean q8 = type == Type.Q8_0;
        this.keys = f32 ? new float[layers][keyCount] : null;
        this.values = f32 ? new float[layers][valueCount] : null;
        this.keys16 = half ? new short[layers][keyCount] : null;
        this.values16 = half ? new short[layers][valueCount] : null;
        this.keys8 = q8 ? Q8_0Entries.keys(layers, kvDim, headDim, capacity) : null;
        this.values8 = q8 ? Q8_0Entries.values(layers, kvDim, headDim, capacity) : null;
    }

    public int capacity() {
        return capacity;
    }

    public Type type() {
        return type;
    }

    /** Bytes held by the cache. */
    public long bytes() {
        return bytes(layers(), kvDim, capacity, type);
    }

    /** Bytes a cache of this size and type holds. */
    public static long bytes(int layers, int kvDim, int capacity, Type type) {
        long entries = (long) layers * capacity * kvDim;
        return 2 * switch (type) {
            case F32 -> entries * Float.BYTES;
            case F16 -> entries * Short.BYTES;
            case Q8_0 -> Q8_0Entries.bytes(entries);
        };
    }

    private int layers() {
        return switch (type) {
            case F32 -> keys.length;
            case F16 -> keys16.length;
            case Q8_0 -> keys8.layers();
        };
    }

    private int keyIndex(int p, int i) {
        return i / headDim * headSpan + KeyBlocks.index(p, i % headDim, headDim);
    }

    private float key(int layer, int index) {
        return type == Type.F16 ? Float.float16ToFloat(keys16[layer][index]) : keys[layer][index];
    }

    private void setKey(int layer, int index, float v) {
        if (type == Type.F16) {
            keys16[layer][index] = Float.floatToFloat16(v);
        } else {
            keys[layer][index] = v;
        }
    }

    /** Stores {@code count} new keys and values (position-major, count x kvDim) at positions startPos.. */
    void store(int layer, float[] k, float[] v, int count, int startPos) {
        if (type == Type.Q8_0) {
            keys8.set(layer, k, 0, startPos * kvDim, count * kvDim);
            values8.set(layer, v, 0, startPos * kvDim, count * kvDim);
            return;
        }
        for (int t = 0; t < count; t++) {
            for (int i = 0; i < kvDim; i++) {
                setKey(layer, keyIndex(startPos + t, i), k[t * kvDim + i]);
            }
        }
        valuesFromPositions(layer, v, 0, startPos, count);
    }

    /** The keys of positions [0, positions) of a layer, position-major (p * kvDim + i), into out. */
    public void keysByPosition(int layer, int positions, float[] out) {
        if (type == Type.Q8_0) {
            keys8.get(layer, 0, positions * kvDim, out, 0);
            return;
        }
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < kvDim; i++) {
                out[p * kvDim + i] = key(layer, keyIndex(p, i));
            }
        }
    }

    /** Sets the keys of positions [0, positions) of a layer from position-major values. */
    public void keysFromPositions(int layer, float[] in, int positions) {
        if (type == Type.Q8_0) {
            keys8.set(layer, in, 0, 0, positions * kvDim);
            return;
        }
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < kvDim; i++) {
                setKey(layer, keyIndex(p, i), in[p * kvDim + i]);
            }
        }
    }

    /** The values of positions [0, positions) of a layer (p * kvDim + i) into out. */
    public void valuesByPosition(int layer, int positions, float[] out) {
        if (type == Type.Q8_0) {
            values8.get(layer, 0, positions * kvDim, out, 0);
            return;
        }
        for (int p = 0; p < positions; p++) {
            for (int h = 0; h < kvDim / headDim; h++) {
                int from = h * valueSpan + p * headDim;
                int to = p * kvDim + h * headDim;
                if (type == Type.F32) {
                    System.arraycopy(values[layer], from, out, to, headDim);
                } else {
                    HalfHead.widen(values16[layer], from, out, to, headDim);
                }
            }
        }
    }

    /** Sets the values of positions [0, positions) of a layer. */
    public void valuesFromPositions(int layer, float[] in, int positions) {
        valuesFromPositions(layer, in, 0, 0, positions);
    }

    private void valuesFromPositions(int layer, float[] in, int inOff, int startPos, int count) {
        if (type == Type.Q8_0) {
            values8.set(layer, in, inOff, startPos * kvDim, count * kvDim);
            return;
        }
        for (int t = 0; t < count; t++) {
            for (int h = 0; h < kvDim / headDim; h++) {
                int from = inOff + t * kvDim + h * headDim;
                int to = h * valueSpan + (startPos + t) * headDim;
                if (type == Type.F32) {
                    System.arraycopy(in, from, values[layer], to, headDim);
                } else {
                    short[] v = values16[layer];
                    for (int d = 0; d < headDim; d++) {
                        v[to + d] = Float.floatToFloat16(in[from + d]);
                    }
                }
            }
        }
    }

    /** Entries one key/value head's keys take for this many positions (whole blocks). */
    static int span(int positions, int headDim) {
        return KeyBlocks.span(positions, headDim);
    }

    /** One key/value head of a layer of a Q8_0 cache, for attention to read in place. */
    Q8_0Head q8Head(int layer, int kvHead) {
        return new Q8_0Head(keys8.codes(layer), keys8.scales(layer), keys8.codeBase(kvHead), keys8.scaleBase(kvHead),
                values8.codes(layer), values8.scales(layer), values8.codeBase(kvHead), values8.scaleBase(kvHead),
                headDim);
    }

    /** One key/value head of a layer of a half-precision cache, for attention to read in place. */
    HalfHead halfHead(int layer, int kvHead) {
        return new HalfHead(keys16[layer], kvHead * headSpan, values16[layer], kvHead * valueSpan, headDim);
    }

    /**
     * For attention on a half-precision cache: the keys and values of one key/value head
     * for positions [0, positions) decoded to floats, into arrays laid out as an F32 cache's
     * layer but with heads keysApart and valuesApart floats apart (keys at kvHead * keysApart in
     * blocks, values at kvHead * valuesApart position-major). Heads write disjoint parts, so
     * several may be decoded at once.
     */
    void decode(int layer, int kvHead, int positions, float[] keysOut, int keysApart, float[] valuesOut,
                int valuesApart) {
        int keys = Math.min(Math.min(headSpan, keysApart), span(positions, headDim));
        HalfHead.widen(keys16[layer], kvHead * headSpan, keysOut, kvHead * keysApart, keys);
        HalfHead.widen(values16[layer], kvHead * valueSpan, valuesOut, kvHead * valuesApart, positions * headDim);
    }

    /** Copies positions [0, positions) of every layer from another cache of the same model. */
    void copyFrom(KvCache other, int positions) {
        if (other.type != type) { // through floats: rounded to this cache's type
            float[] buffer = new float[positions * kvDim];
            for (int l = 0; l < layers(); l++) {
                other.keysByPosition(l, positions, buffer);
                keysFromPositions(l, buffer, positions);
                other.valuesByPosition(l, positions, buffer);
                valuesFromPositions(l, buffer, positions);
            }
            return;
        }
        if (type == Type.Q8_0) {
            keys8.copyFrom(other.keys8, positions);
            values8.copyFrom(other.values8, positions);
            return;
        }
        int blocks = (positions + KeyBlocks.BLOCK - 1) / KeyBlocks.BLOCK; // whole blocks: later positions get written over
        int keyRun = Math.min(blocks * KeyBlocks.BLOCK * headDim, Math.min(headSpan, other.headSpan));
        for (int l = 0; l < layers(); l++) {
            for (int h = 0; h < kvDim / headDim; h++) {
                int valueFrom = h * other.valueSpan;
                int valueTo = h * valueSpan;
                if (type == Type.F16) {
                    System.arraycopy(other.keys16[l], h * other.headSpan, keys16[l], h * headSpan, keyRun);
                    System.arraycopy(other.values16[l], valueFrom, values16[l], valueTo, positions * headDim);
                } else {
                    System.arraycopy(other.keys[l], h * other.headSpan, keys[l], h * headSpan, keyRun);
                    System.arraycopy(other.values[l], valueFrom, values[l], valueTo, positions * headDim);
                }
            }
        }
    }
}
