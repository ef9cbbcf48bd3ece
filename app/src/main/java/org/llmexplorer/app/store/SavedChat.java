package org.llmexplorer.app.store;

import java.util.List;
import org.llmexplorer.engine.session.Message;

/**
 * A conversation as saved to disk: its id in the history, title, the model it was held with,
 * when it began and was last saved, its messages and steps. Files written before chats had ids
 * read with {@code id} and {@code created} missing.
 */
public record SavedChat(String id, String title, String model, long created, long savedAt, List<Message> messages) {
    public SavedChat {
        messages = messages == null ? List.of() : List.copyOf(messages);
    }
}
