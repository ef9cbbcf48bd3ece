package org.llmexplorer.engine.cli;

import org.llmexplorer.engine.model.KvCache;
import picocli.CommandLine.Option;

/** {@code --kv-type F32|F16|Q8_0}: how a command's KV cache stores keys and values (a picocli mixin). */
final class KvCacheOption {
    @Option(names = "--kv-type", paramLabel = "T", defaultValue = "F32",
            description = "the KV cache's type: F32; F16, half the memory (llama.cpp's default); Q8_0, about a quarter "
                    + "(as llama.cpp's q8_0; on the CPU, for heads of whole blocks of 32)")
    private KvCache.Type type;

    KvCache.Type type() {
        return type;
    }
}
