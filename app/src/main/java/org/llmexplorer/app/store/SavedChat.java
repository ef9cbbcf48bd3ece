package org.llmexplorer.app.store;

import java.util.List;
import org.llmexplorer.engine.session.Message;

/** A conversation as saved to disk: the model it was held with, its messages and steps. */
public record SavedChat(String title, String model, long savedAt, List<Message> messages) {
}
