package org.llmexplorer.engine.cli;

import java.nio.file.Path;
import org.llmexplorer.engine.model.DefaultModel;

/** {@code --model F}, or the model LLM Explorer ships when none is named. */
public final class ModelOption {
    private ModelOption() {
    }

    public static Path path(Args args) {
        if (args.has("model")) {
            return Path.of(args.required("model"));
        }
        return DefaultModel.find().orElseThrow(() -> new UsageException("option --model is required (no default "
                + "model at " + DefaultModel.candidates() + ")"));
    }
}
