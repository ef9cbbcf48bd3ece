package org.llmexplorer.engine.tokenizer;

/** Token kinds as GGUF's {@code tokenizer.ggml.token_type} numbers them. */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    public static TokenType of(int code) {
        return code >= 0 && code < values().length ? values()[code] : UNDEFINED;
    }
}
