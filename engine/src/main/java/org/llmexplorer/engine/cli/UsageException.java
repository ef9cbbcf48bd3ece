package org.llmexplorer.engine.cli;

/** A command line that cannot be carried out as written. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
