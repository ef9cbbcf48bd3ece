package org.llmexplorer.engine.train;

/** The token embedding: a row of the table per token, and gradients added back into those rows. */
public final class Embedding {
    private Embedding() {
    }

    /** out[t] = table row tokens[t], for t &lt; n. */
    public static void forward(int[] tokens, int n, float[] table, int dim, float[] out) {
        for (int t = 0; t < n; t++) {
            System.arraycopy(table, tokens[t] * dim, out, t * dim, dim);
        }
    }

    /** grad row tokens[t] += dout[t]; tokens in order, so repeated tokens add up the same way every time. */
    public static void backward(int[] tokens, int n, float[] dout, float[] grad, int dim) {
        for (int t = 0; t < n; t++) {
            int row = tokens[t] * dim;
            for (int i = 0; i < dim; i++) {
                grad[row + i] += dout[t * dim + i];
            }
        }
    }
}
