package org.llmexplorer.engine.attention;

import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;
import java.util.function.BiPredicate;

/**
 * A recorder that keeps the full weight matrix (query x key) of chosen heads for the first
 * {@code size} positions, with export as CSV.
 */
public final class AttentionMatrix implements AttentionRecorder {
    private final int size;
    private final BiPredicate<Integer, Integer> wanted;
    private final float[][][][] weights; // [layer][head][query][key], allocated on first use

    /**
     * @param wanted which (layer, head) pairs to keep
     */
    public AttentionMatrix(int layers, int heads, int size, BiPredicate<Integer, Integer> wanted) {
        this.size = size;
        this.wanted = wanted;
        this.weights = new float[layers][heads][][];
    }

    /** Keeps one head of one layer. */
    public static AttentionMatrix of(int layers, int heads, int size, int layer, int head) {
        return new AttentionMatrix(layers, heads, size, (l, h) -> l == layer && h == head);
    }

    @Override
    public boolean records(int layer, int head) {
        return wanted.test(layer, head);
    }

    @Override
    public void record(int layer, int head, int query, int[] keys, float[] w, int n) {
        if (query >= size) {
            return;
        }
        float[][] m = matrix(layer, head);
        float[] row = m[query];
        Arrays.fill(row, 0f);
        for (int k = 0; k < n; k++) {
            if (keys[k] < size) {
                row[keys[k]] = w[k];
            }
        }
    }

    private synchronized float[][] matrix(int layer, int head) {
        if (weights[layer][head] == null) {
            weights[layer][head] = new float[size][size];
        }
        return weights[layer][head];
    }

    /** The recorded weights of a head (rows of positions never run are zero), or null. */
    public float[][] weights(int layer, int head) {
        return weights[layer][head];
    }

    public int size() {
        return size;
    }

    /** Writes a head's matrix as CSV: a header of key positions, then one row per query. */
    public void writeCsv(int layer, int head, String[] labels, Writer out) throws IOException {
        float[][] m = weights(layer, head);
        out.write("query\\key");
        for (int j = 0; j < size; j++) {
            out.write("," + csv(labels == null ? String.valueOf(j) : labels[j]));
        }
        out.write("\n");
        for (int i = 0; i < size; i++) {
            out.write(csv(labels == null ? String.valueOf(i) : labels[i]));
            for (int j = 0; j < size; j++) {
                out.write("," + (m == null ? 0f : m[i][j]));
            }
            out.write("\n");
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.startsWith(" ")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
