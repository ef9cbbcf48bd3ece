package org.llmexplorer.engine.session;

import java.util.List;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.sampling.StageReport;

/**
 * What happened at one generated token: the token and its text, the probability and rank the
 * model gave it, the most likely alternatives, each sampler stage's report, the position in the
 * sequence, the uniform number the draw used (so the step can be re-sampled with other
 * settings from its kept logits), and the entropy in bits of the whole distribution (null where
 * it is not known: a remote engine's step, a chat saved before it was kept).
 */
public record Step(int token, String text, double p, int rank, TokenProbability[] top, List<StageReport> stages,
                   int position, double draw, Double entropy) {

    /** A step whose distribution's entropy is not known. */
    public Step(int token, String text, double p, int rank, TokenProbability[] top, List<StageReport> stages,
                int position, double draw) {
        this(token, text, p, rank, top, stages, position, draw, null);
    }
}
