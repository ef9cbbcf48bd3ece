package org.llmexplorer.engine.generate;

import org.llmexplorer.engine.sampling.TokenProbability;
import java.util.List;
import org.llmexplorer.engine.sampling.StageReport;

/**
 * One generated token: its id, the text it completed (whole characters only), the probability
 * the model gave it and its rank among all tokens (softmax of the raw logits, 1 = most likely),
 * the most probable alternatives at that step, when asked for, what each sampler stage made of
 * the distribution, and the softmax's normaliser (log of the sum of exp(logit)), from which the
 * step's other probabilities and entropy follow without another pass for it.
 */
public record GeneratedToken(int id, String text, double p, int rank, TokenProbability[] top,
                             List<StageReport> stages, double logSumExp) {
}
