package org.llmexplorer.engine.train;

import org.llmexplorer.engine.sampling.SplitMix64;

/**
 * Token streams packed into fixed-length windows: window i of the training stream is tokens
 * [i seqLen, (i + 1) seqLen], whose first seqLen tokens are the input and last seqLen the
 * next-token targets. Each epoch visits every window once in a seeded order; which windows a
 * step takes follows from the step number alone, so a resumed run reads the same batches.
 */
public final class TrainingData {
    private final int[] train;
    private final int[] validation;
    private final int seqLen;
    private final long seed;
    private int[] order;
    private long orderEpoch = -1;

    public TrainingData(int[] train, int[] validation, int seqLen, long seed) {
        if (train.length < seqLen + 1) {
            throw new IllegalArgumentException("the training text has " + train.length + " tokens, fewer than one "
                    + "sequence of " + seqLen + " and its next token");
        }
        this.train = train;
        this.validation = validation;
        this.seqLen = seqLen;
        this.seed = seed;
    }

    public int seqLen() {
        return seqLen;
    }

    public int trainTokens() {
        return train.length;
    }

    public int validationTokens() {
        return validation.length;
    }

    public int trainWindows() {
        return (train.length - 1) / seqLen;
    }

    public int validationWindows() {
        return validation.length < 1 ? 0 : (validation.length - 1) / seqLen;
    }

    /** The inputs and targets of the training batch of this step (batch windows). */
    public void trainBatch(long step, int batch, int[] inputs, int[] targets) {
        int windows = trainWindows();
        for (int b = 0; b < batch; b++) {
            long k = step * batch + b;
            copyWindow(train, windowOrder(k / windows)[(int) (k % windows)], b, inputs, targets);
        }
    }

    /** Validation windows [first, first + batch), wrapping around. */
    public void validationBatch(int first, int batch, int[] inputs, int[] targets) {
        for (int b = 0; b < batch; b++) {
            copyWindow(validation, (first + b) % validationWindows(), b, inputs, targets);
        }
    }

    private void copyWindow(int[] stream, int window, int b, int[] inputs, int[] targets) {
        System.arraycopy(stream, window * seqLen, inputs, b * seqLen, seqLen);
        System.arraycopy(stream, window * seqLen + 1, targets, b * seqLen, seqLen);
    }

    /** A seeded shuffle of the windows for one epoch (Fisher-Yates). */
    private int[] windowOrder(long epoch) {
        if (epoch != orderEpoch) {
            int windows = trainWindows();
            order = new int[windows];
            for (int i = 0; i < windows; i++) {
                order[i] = i;
            }
            SplitMix64 random = new SplitMix64(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = windows - 1; i > 0; i--) {
                int j = (int) ((random.nextLong() >>> 1) % (i + 1));
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            orderEpoch = epoch;
        }
        return order;
    }
}
