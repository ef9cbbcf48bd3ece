package org.llmexplorer.engine.train;

/**
 * What a training run is: the model's shape, the optimisation and the data, everything that
 * fixes its result (threads are left out: they change the speed, never the numbers).
 *
 * @param mask        the attention mask plan (MaskPlan text, e.g. {@code causal} or {@code sliding:w=32})
 * @param evalEvery   steps between validation losses
 * @param evalBatches batches of held-out windows in one validation loss
 */
public record TrainingSettings(
        int layers, int dim, int heads, int kvHeads, int ffnDim, int vocab, int context,
        int seqLen, int batch, int steps,
        float lr, int warmup, float weightDecay, float clip, float beta1, float beta2,
        float valFraction, long seed, String mask, int evalEvery, int evalBatches, String preTokenizer) {

    public TrainingSettings {
        require(seqLen >= 2 && batch >= 1 && steps >= 1, "sequence length, batch and steps must be positive");
        require(context >= seqLen, "context " + context + " is shorter than the training sequences " + seqLen);
        require(lr > 0 && warmup >= 0 && weightDecay >= 0 && clip >= 0, "lr must be positive, warmup, weight decay and clip not negative");
        require(valFraction >= 0 && valFraction < 1, "validation fraction must be in [0, 1)");
        require(evalEvery >= 1 && evalBatches >= 1, "eval interval and batches must be positive");
    }

    public LlamaShape shape() {
        return LlamaShape.of(layers, dim, heads, kvHeads, ffnDim, vocab, context);
    }

    public LearningRate schedule() {
        return new LearningRate(lr, warmup, steps);
    }

    /** The same run with another step count (a resumed run may be extended). */
    public TrainingSettings withSteps(int newSteps) {
        return new TrainingSettings(layers, dim, heads, kvHeads, ffnDim, vocab, context, seqLen, batch, newSteps, lr,
                warmup, weightDecay, clip, beta1, beta2, valFraction, seed, mask, evalEvery, evalBatches, preTokenizer);
    }

    /** The same run with another vocabulary size (a text may offer fewer merges than asked for). */
    public TrainingSettings withVocab(int newVocab) {
        return new TrainingSettings(layers, dim, heads, kvHeads, ffnDim, newVocab, context, seqLen, batch, steps, lr,
                warmup, weightDecay, clip, beta1, beta2, valFraction, seed, mask, evalEvery, evalBatches, preTokenizer);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
