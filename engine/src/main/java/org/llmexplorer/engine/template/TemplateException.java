package org.llmexplorer.engine.template;

/**
 * A chat template that cannot be parsed or that fails while rendering. {@link #getMessage()} is the template's own
 * message where it raised one ({@code raise_exception("...")}), otherwise a Jinja-like description; syntax errors
 * also carry the 1-based line and column where the parser stopped, which {@link #getMessage()} then ends with.
 */
public final class TemplateException extends RuntimeException {
    private final String reason;
    private final int line;
    private final int column;

    /** An error while rendering, such as {@code raise_exception} or an undefined value used in arithmetic. */
    public TemplateException(String message) {
        this(message, 0, 0);
    }

    /** A syntax error at a position in the template source (both 1-based; 0 when unknown). */
    public TemplateException(String message, int line, int column) {
        super(line > 0 ? message + " (line " + line + ", column " + column + ")" : message);
        this.reason = message;
        this.line = line;
        this.column = column;
    }

    /** The message without the position: for {@code raise_exception}, exactly the template's text. */
    public String reason() {
        return reason;
    }

    /** Whether this is a syntax error with a position in the template source. */
    public boolean isSyntaxError() {
        return line > 0;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
