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
    private final Llama llama;
    private final Tokenizer tokenizer;

    private Model(GgufFile file, Llama llama, Tokenizer tokenizer) {
        this.file = file;
        this.llama = llama;
        this.tokenizer = tokenizer;
    }

    /** Opens a model; a malformed or unsupported file gives an exception that says what and where. */
    public static Model open(Path path) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            String arch = file.string("general.architecture").orElse("(none)");
            if (!arch.equals("llama")) {
                throw new UnsupportedModelException(path.getFileName() + ": architecture '" + arch
                        + "' is not supported yet (supported: llama)");
            }
            ModelConfig config = ModelConfig.from(file);
            Llama llama = new Llama(config, LlamaWeights.load(file, config));
            return new Model(file, llama, Tokenizer.from(file));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    public ModelConfig config() {
        return llama.config();
    }

    public Llama llama() {
        return llama;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public void close() {
        file.close();
    }
}
