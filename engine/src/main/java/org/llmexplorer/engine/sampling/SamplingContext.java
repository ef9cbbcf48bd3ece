package org.llmexplorer.engine.sampling;

/** What stages may read besides the candidates: the tokens so far, and scratch space. */
public final class SamplingContext {
    int[] history = new int[64];
    int historySize;
    float[] probs = new float[0];
    int[] counts = new int[0];
    final double[] bucketMass = new double[TopP.BUCKETS];
    final int[] bucketCount = new int[TopP.BUCKETS];

    void ensure(int vocab) {
        if (probs.length < vocab) {
            probs = new float[vocab];
            counts = new int[vocab];
        }
    }

    public void clearHistory() {
        historySize = 0;
    }

    public void add(int token) {
        if (historySize == history.length) {
            history = java.util.Arrays.copyOf(history, history.length * 2);
        }
        history[historySize++] = token;
    }

    public int historySize() {
        return historySize;
    }
}
