package org.llmexplorer.engine.cli;

/** A command line that cannot be carried out as written. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
