package org.llmexplorer.engine.session;

import java.util.List;
import org.llmexplorer.engine.sampling.StageReport;

/**
 * Events of a {@link ChatSession}. They arrive on the session's thread: a user interface moves
 * them to its own thread. Every method has an empty default.
 */
public interface SessionListener {

    default void loading(String what, double progress) {
    }

    default void loaded(ModelSummary model) {
    }

    /** A reply's prompt is being read: done of total new tokens (a long prompt takes a while). */
    default void reading(int messageIndex, int done, int total) {
    }

    default void token(int messageIndex, Step step) {
    }

    /** A reply finished; {@code reason} is length, eos, context, cancelled or error. */
    default void finished(int messageIndex, String reason, double tokensPerSecond) {
    }

    /** Oldest turns were dropped so that the conversation fits the context. */
    default void trimmed(int droppedMessages, String notice) {
    }

    default void contextUsage(int used, int capacity) {
    }

    /** The sampler chain re-applied to a step with other settings. */
    default void resampled(int messageIndex, int stepIndex, int token, List<StageReport> stages) {
    }

    default void attention(AttentionSnapshot snapshot) {
    }

    /** Something failed; the conversation is kept as it was. */
    default void failed(String what, Throwable error) {
    }
}
