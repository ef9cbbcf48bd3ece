package org.llmexplorer.engine.sampling;

import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * The distribution one stage of the chain left: how many tokens survive, its entropy (in bits),
 * its most likely tokens, and where the token finally drawn stands in it.
 *
 * @param stage      the stage's name; "raw" for the softmax of the model's logits, "final" for what
 *                   the draw samples from
 * @param chosenRank rank of the drawn token in this distribution (1 = most likely), 0 if it was
 *                   not among the survivors
 * @param chosenP    its probability here (0 if it did not survive)
 */
public record StageReport(String stage, int survivors, double entropyBits, TokenProbability[] top, int chosenRank,
                          double chosenP) {
}
