package org.llmexplorer.engine.inspect;

import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * The logit lens (nostalgebraist, 2020): what the model would predict after each layer, reading
 * the residual stream through the final norm and the output matrix as if the remaining layers
 * were not there. Row {@code layers - 1} is the model's own prediction.
 *
 * @param tokens the prompt
 * @param top    top[layer][position]: the most probable next tokens after that layer at that
 *               position, most probable first
 * @param entropy entropy[layer][position] in bits of the whole lens distribution
 */
public record LogitLens(int[] tokens, TokenProbability[][][] top, double[][] entropy) {

    public int layers() {
        return top.length;
    }

    /** The lens's answer after a layer at a position: its most probable token. */
    public TokenProbability answer(int layer, int position) {
        return top[layer][position][0];
    }

    /**
     * Runs the prompt once, keeping the residual stream after every layer, then puts each
     * layer's rows through the output head. The heads cost one vocabulary-sized matrix product
     * per layer and position, more than the pass itself on a small model, so progress is
     * reported per layer and cancelling stops between layers.
     */
    public static LogitLens of(Pass pass, int[] tokens, int topN, DoubleConsumer progress, BooleanSupplier cancelled) {
        var c = pass.model().config();
        int layers = c.layers();
        float[][] residual = new float[layers][];
        pass.logits(tokens, Pass.residuals(residual));
        int n = tokens.length;
        int vocab = c.vocabSize();
        TokenProbability[][][] top = new TokenProbability[layers][n][];
        double[][] entropy = new double[layers][n];
        for (int l = 0; l < layers; l++) {
            Pass.check(cancelled);
            float[] logits = pass.model().transformer().head(pass.ops(), residual[l], n);
            for (int t = 0; t < n; t++) {
                top[l][t] = Probabilities.top(logits, t * vocab, vocab, Math.max(1, topN));
                entropy[l][t] = Probabilities.entropyBits(logits, t * vocab, vocab);
            }
            if (progress != null) {
                progress.accept((l + 1) / (double) layers);
            }
        }
        return new LogitLens(tokens.clone(), top, entropy);
    }
}
