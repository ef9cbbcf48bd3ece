package org.llmexplorer.engine.cli;

import org.llmexplorer.engine.model.KvCache;
import picocli.CommandLine.Option;

/** {@code --kv-type F32|F16}: how a command's KV cache stores keys and values (a picocli mixin). */
final class KvCacheOption {
    @Option(names = "--kv-type", paramLabel = "T", defaultValue = "F32",
            description = "the KV cache's type: F32, or F16 for half the memory (as llama.cpp's default; on the CPU)")
    private KvCache.Type type;

    KvCache.Type type() {
        return type;
    }
}
