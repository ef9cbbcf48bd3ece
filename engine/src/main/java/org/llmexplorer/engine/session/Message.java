package org.llmexplorer.engine.session;

import java.util.List;

/**
 * One turn of a conversation. Assistant turns carry the record of every generated token.
 *
 * @param role "user", "assistant" or "system"
 */
public record Message(String role, String text, List<Step> steps) {
    public Message {
        steps = List.copyOf(steps);
    }

    public static Message user(String text) {
        return new Message("user", text, List.of());
    }
}
