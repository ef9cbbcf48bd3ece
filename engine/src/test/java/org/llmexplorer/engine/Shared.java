package org.llmexplorer.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared test data beside the repository ({@code ../shared}: models, llama.cpp references,
 * tokenizer fixtures). Tests run with the repository root as working directory.
 */
public final class Shared {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Shared() {
    }

    public static Path root() {
        Path p = Path.of("..", "shared");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("test data not found at " + p.toAbsolutePath()
                    + " (tests expect ../shared beside the repository)");
        }
        return p;
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static JsonNode json(String relative) {
        try {
            return MAPPER.readTree(path(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
