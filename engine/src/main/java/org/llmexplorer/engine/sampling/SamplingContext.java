package org.llmexplorer.engine.sampling;

/** What stages may read besides the candidates: the tokens so far, and scratch space. */
public final class SamplingContext {
    int[] history = new int[64];
    int historySize;
    double[] probs = new double[0];
    int[] counts = new int[0];

    void ensure(int vocab) {
        if (probs.length < vocab) {
            probs = new double[vocab];
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
