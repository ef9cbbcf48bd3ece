package org.llmexplorer.engine.cli;

import java.nio.file.Path;
import org.llmexplorer.engine.model.DefaultModel;
import picocli.CommandLine.Option;

/** {@code --model F}, or the model LLM Explorer ships when none is named: a picocli mixin. */
public final class ModelOption {
    @Option(names = "--model", paramLabel = "F", description = "a GGUF file (default: the shipped model)")
    private Path model;

    public Path path() {
        if (model != null) {
            return model;
        }
        return DefaultModel.find().orElseThrow(() -> new UsageException("option --model is required (no default "
                + "model at " + DefaultModel.candidates() + ")"));
    }
}
