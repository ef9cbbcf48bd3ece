package org.llmexplorer.engine.generate;

/**
 * One generated token: its id, the text it completed (whole characters only), the probability
 * the model gave it and the most probable alternatives at that step.
 */
public record GeneratedToken(int id, String text, double p, TokenProbability[] top) {
}
