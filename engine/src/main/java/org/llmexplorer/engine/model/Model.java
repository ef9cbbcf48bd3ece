package org.llmexplorer.engine.model;

import java.io.IOException;
import java.nio.file.Path;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/**
 * A model opened from a GGUF file: hyperparameters, weights (in the file's memory mapping),
 * the forward pass and the tokenizer. Close it to unmap the file.
 */
public final class Model implements AutoCloseable {
    private final GgufFile file;
    private final Transformer transformer;
    private final Tokenizer tokenizer;

    private Model(GgufFile file, Transformer transformer, Tokenizer tokenizer) {
        this.file = file;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
    }

    /** Opens a model; a malformed or unsupported file gives an exception that says what and where. */
    public static Model open(Path path) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            String arch = file.string("general.architecture").orElse("(none)");
            if (!Family.SUPPORTED.contains(arch)) {
                throw new UnsupportedModelException(path.getFileName().toString(), "general.architecture",
                        file.offsetOf("general.architecture"), "architecture '" + arch + "' is not supported (supported: "
                        + String.join(", ", Family.SUPPORTED) + ")");
            }
            if (file.tensor("rope_factors_long.weight").isPresent()) {
                throw new UnsupportedModelException(path.getFileName().toString(), "tensor['rope_factors_long.weight']",
                        file.tensorInfoOffset("rope_factors_long.weight"),
                        "LongRoPE scaling (rope_factors_long, as in Phi-3 128k models) is not supported yet");
            }
            ModelConfig config = ModelConfig.from(file);
            Transformer transformer = new Transformer(config, Weights.load(file, config));
            return new Model(file, transformer, Tokenizer.from(file));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public ModelConfig config() {
        return transformer.config();
    }

    public Transformer transformer() {
        return transformer;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        file.close();
    }
}
