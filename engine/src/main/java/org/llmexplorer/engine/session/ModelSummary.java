package org.llmexplorer.engine.session;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the model card shows about a loaded model. {@code contextLength} is the model's own;
 * {@code contextCapacity} the tokens a conversation holds here (the context set, at most the
 * model's; 0 when unknown), which {@code kvCacheBytes} is for. {@code headDim} is 0 where
 * unknown (a remote model).
 */
public record ModelSummary(Path path, String name, String architecture, long parameters, Map<String, Long> tensorTypes,
                           int contextLength, int contextCapacity, int layers, int heads, int kvHeads, int dim, int vocabSize,
                           long fileBytes, long kvCacheBytes, String moduleTree, String trainedMask, boolean chatTemplate,
                           String backend, int headDim) {
}
