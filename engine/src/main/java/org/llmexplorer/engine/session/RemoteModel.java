package org.llmexplorer.engine.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.remote.OpenAiClient;

/**
 * A model on an OpenAI-compatible server. Its tokens have no ids we know, so each token text
 * the server sends gets a number of ours when first seen: steps, alternatives and re-sampling
 * work on those numbers as on a local vocabulary's.
 */
final class RemoteModel {
    final OpenAiClient client;
    final OpenAiClient.ModelInfo info;
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> texts = new ArrayList<>();

    RemoteModel(OpenAiClient client, OpenAiClient.ModelInfo info) {
        this.client = client;
        this.info = info;
    }

    synchronized int id(String text) {
        return ids.computeIfAbsent(text, t -> {
            texts.add(t);
            return texts.size() - 1;
        });
    }

    synchronized String text(int id) {
        return id >= 0 && id < texts.size() ? texts.get(id) : "";
    }

    String describe() {
        return "OpenAI-compatible server at " + client.base() + (info.llmx()
                ? " (llmx serve: attention available)"
                : "; it does not expose attention or masks");
    }
}
