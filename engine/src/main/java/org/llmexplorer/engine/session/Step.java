package org.llmexplorer.engine.session;

import java.util.List;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.sampling.StageReport;

/**
 * What happened at one generated token: the token and its text, the probability and rank the
 * model gave it, the most likely alternatives, each sampler stage's report, the position in the
 * sequence, and the uniform number the draw used (so the step can be re-sampled with other
 * settings from its kept logits).
 */
public record Step(int token, String text, double p, int rank, TokenProbability[] top, List<StageReport> stages,
                   int position, double draw) {
}
