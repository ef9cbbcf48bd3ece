package org.llmexplorer.app.viewmodel;

/** A generated token of the conversation: which message, which step. */
public record StepRef(int message, int step) {
}
