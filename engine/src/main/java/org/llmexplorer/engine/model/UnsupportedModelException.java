package org.llmexplorer.engine.model;

import org.llmexplorer.engine.gguf.GgufFormatException;

/** A well-formed file of a kind the engine cannot run (yet): says what, which field, at which byte offset. */
public final class UnsupportedModelException extends GgufFormatException {
    public UnsupportedModelException(String file, String field, long offset, String problem) {
        super(file, field, offset, problem);
    }
}
