package org.llmexplorer.engine.session;

import java.io.IOException;
import java.util.List;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.template.ChatTemplate;

/**
 * The tokens a model reads for a conversation, as the window builds them: for the server and
 * other front ends that hold no {@link ChatSession}.
 */
public final class Prompts {
    private Prompts() {
    }

    /**
     * The model's chat template: the file's own, else a built-in one when the vocabulary has
     * chat-turn tokens; null for a base model, which continues plain text.
     */
    public static ChatTemplate templateOf(Model model) throws IOException {
        return LoadedModel.templateOf(model);
    }

    /**
     * The messages rendered with the template (the assistant's turn opened when the last message
     * is not the assistant's) and tokenized; without a template the texts one after another.
     */
    public static int[] chat(Model model, ChatTemplate template, List<Message> messages) {
        return new Transcript(model.tokenizer(), template, "").tokens(messages);
    }
}
