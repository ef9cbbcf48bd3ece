package org.llmexplorer.engine.model;

/** The conversation needs more positions than the KV cache was sized for. */
public final class ContextFullException extends IllegalStateException {
    public ContextFullException(int needed, int capacity) {
        super("context full: " + needed + " positions needed, the context holds " + capacity);
    }
}
