package org.llmexplorer.engine.session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.model.DeviceWorkspaces;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.ModuleTree;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.tokenizer.Vocabulary;

/**
 * An open model with what runs it: the backend, and the chat template (null when the model
 * continues plain text). Owned by the session's thread.
 */
record LoadedModel(Model model, Compute compute, ChatTemplate template) implements AutoCloseable {

    /**
     * The model's chat template: the file's own, else a built-in one when the vocabulary has
     * chat-turn tokens; null for a base model, which continues plain text.
     */
    static ChatTemplate templateOf(Model m) throws IOException {
        var file = m.file();
        boolean stored = file.string(ChatTemplate.METADATA_KEY).filter(t -> !t.isBlank()).isPresent();
        Vocabulary vocab = m.tokenizer().vocabulary();
        boolean chatVocabulary = Stream.of("<|im_start|>", "<|start_header_id|>", "<start_of_turn>", "[INST]", "<|user|>")
                .anyMatch(t -> vocab.id(t) != Vocabulary.NONE);
        return stored || chatVocabulary ? ChatTemplate.of(file) : null;
    }

    ModelConfig config() {
        return model.config();
    }

    /** A token's text with control tokens written out, for labels. */
    String label(int token) {
        return new String(model.tokenizer().piece(token, true), StandardCharsets.UTF_8);
    }

    /** A generated token's text (control tokens give nothing). */
    String text(int token) {
        return new String(model.tokenizer().piece(token, false), StandardCharsets.UTF_8);
    }

    /** The model card's facts, for conversations of capacity tokens with their KV cache in kvType. */
    ModelSummary summary(Path path, int capacity, KvCache.Type kvType) throws IOException {
        ModelConfig c = model.config();
        Map<String, Long> types = new TreeMap<>();
        long params = 0;
        for (GgufTensorInfo t : model.file().tensors()) {
            types.merge(t.type().name(), 1L, Long::sum);
            params += t.elementCount();
        }
        long kv = KvCache.bytes(c.layers(), c.kvDim(), capacity, kvType);
        return new ModelSummary(path, c.name(), c.architecture(), params, types, c.contextLength(), capacity, c.layers(),
                c.heads(),
                c.kvHeads(), c.dim(), c.vocabSize(), Files.size(path), kv, ModuleTree.of(c, model.file()),
                c.trainedMask().spec(), template != null, backendInUse(kvType), c.headDim());
    }

    /** The backend as people should read it, saying so when a device hands this model to the CPU. */
    private String backendInUse(KvCache.Type kvType) {
        String what = compute.describe();
        if (compute instanceof DeviceWorkspaces device) {
            String reason = device.declines(model.transformer());
            if (reason == null && kvType == KvCache.Type.Q8_0) {
                reason = "a Q8_0 KV cache is kept in the computer's memory";
            }
            List<String> onCpu = reason == null ? model.transformer().hostSteps(device) : List.of();
            if (reason != null) {
                what += "; this model runs on the CPU (simd): " + reason;
            } else if (!onCpu.isEmpty()) {
                what += "; on the CPU for want of a kernel: " + String.join(", ", onCpu);
            }
        }
        return what;
    }

    /** The same model on another backend (the old backend is the caller's to close). */
    LoadedModel on(Compute other) {
        return new LoadedModel(model, other, template);
    }

    @Override
    public void close() {
        compute.close();
        model.close();
    }
}
