package org.llmexplorer.engine.gguf;

import java.io.IOException;

/** A GGUF file that cannot be read: says what is wrong, in which field, at which byte offset. */
public class GgufFormatException extends IOException {
    private final String field;
    private final long offset;

    public GgufFormatException(String file, String field, long offset, String problem) {
        super(file + ": " + problem + " (field " + field + ", byte offset " + offset + ")");
        this.field = field;
        this.offset = offset;
    }

    public String field() {
        return field;
    }

    public long offset() {
        return offset;
    }
}
