package org.llmexplorer.engine.model;

import java.io.IOException;

/** A well-formed file of a kind the engine cannot run (yet). */
public final class UnsupportedModelException extends IOException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
