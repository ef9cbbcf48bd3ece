package org.llmexplorer.engine.sampling;

/** A token id with the probability the model gave it (softmax of the raw logits). */
public record TokenProbability(int id, double p) {
}
