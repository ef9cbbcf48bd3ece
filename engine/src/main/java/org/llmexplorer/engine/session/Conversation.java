package org.llmexplorer.engine.session;

import java.util.ArrayList;
import java.util.List;

/**
 * The messages of a conversation, safe to read from any thread: the session's thread changes
 * it, a user interface reads copies.
 */
final class Conversation {
    private final List<Message> messages = new ArrayList<>();

    synchronized List<Message> copy() {
        return List.copyOf(messages);
    }

    synchronized int size() {
        return messages.size();
    }

    synchronized Message get(int index) {
        return messages.get(index);
    }

    synchronized void add(Message m) {
        messages.add(m);
    }

    synchronized void set(int index, Message m) {
        messages.set(index, m);
    }

    /** Drops the message at {@code from} and everything after it. */
    synchronized void cut(int from) {
        messages.subList(from, messages.size()).clear();
    }

    synchronized void removeFirst() {
        messages.removeFirst();
    }

    /** Removes the last message when it is the assistant's (the reply to generate again). */
    synchronized void dropLastReply() {
        if (!messages.isEmpty() && messages.getLast().role().equals("assistant")) {
            messages.removeLast();
        }
    }

    synchronized void replace(List<Message> all) {
        messages.clear();
        messages.addAll(all);
    }
}
