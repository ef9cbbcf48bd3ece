package org.llmexplorer.engine.sampling;

import java.util.List;

/**
 * The outcome of sampling one step.
 *
 * @param token   the token drawn
 * @param draw    the uniform number in [0, 1) the draw used: re-applying a changed chain with the
 *                same draw shows what the step would have given
 * @param stages  a report per stage (empty unless reports were asked for)
 */
public record SampledToken(int token, double draw, List<StageReport> stages) {
}
