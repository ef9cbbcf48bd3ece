package org.llmexplorer.engine.session;

/**
 * Where a token of the transcript comes from: characters [start, end) of the text of message
 * {@code message}, or {@code message == -1} for text no message holds (BOS, the chat
 * template's turn markers).
 */
public record TokenSpan(int message, int start, int end) {
    public static final TokenSpan NONE = new TokenSpan(-1, 0, 0);

    /** Whether this token covers any character of [from, to) in message m. */
    public boolean overlaps(int m, int from, int to) {
        return message == m && message >= 0 && start < Math.max(to, from + 1) && end > from;
    }
}
