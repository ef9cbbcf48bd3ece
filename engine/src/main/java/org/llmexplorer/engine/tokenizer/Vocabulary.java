package org.llmexplorer.engine.tokenizer;

import java.util.HashMap;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;
import org.llmexplorer.engine.gguf.GgufValue;

/** A model's vocabulary as GGUF stores it under {@code tokenizer.ggml.*}. */
public final class Vocabulary {
    public static final int NONE = -1;

    private final String model;
    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final Map<String, Integer> ids;
    private final int bos;
    private final int eos;
    private final int unknown;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;

    public Vocabulary(String model, String[] tokens, float[] scores, TokenType[] types, int bos, int eos,
                      int unknown, boolean addBos, boolean addEos, boolean addSpacePrefix) {
        this.model = model;
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.bos = bos;
        this.eos = eos;
        this.unknown = unknown;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        this.ids = new HashMap<>(tokens.length * 2);
        for (int i = 0; i < tokens.length; i++) {
            ids.put(tokens[i], i); // a text that appears twice maps to its last id, as in llama.cpp
        }
    }

    public static Vocabulary from(GgufFile file) throws GgufFormatException {
        String name = file.path().getFileName().toString();
        String model = file.string("tokenizer.ggml.model").orElseThrow(() ->
                new GgufFormatException(name, "tokenizer.ggml.model", 0, "the file has no tokenizer"));
        String[] tokens = file.array("tokenizer.ggml.tokens")
                .filter(a -> a.values() instanceof String[])
                .map(GgufValue.GgufArray::strings)
                .orElseThrow(() -> new GgufFormatException(name, "tokenizer.ggml.tokens", 0,
                        "tokenizer.ggml.tokens is missing or not an array of strings"));
        float[] scores = file.array("tokenizer.ggml.scores").filter(a -> a.values() instanceof float[])
                .map(GgufValue.GgufArray::floats).orElse(new float[tokens.length]);
        int[] typeCodes = file.array("tokenizer.ggml.token_type").filter(a -> a.values() instanceof int[])
                .map(GgufValue.GgufArray::ints).orElse(null);
        if (scores.length != tokens.length || (typeCodes != null && typeCodes.length != tokens.length)) {
            throw new GgufFormatException(name, "tokenizer.ggml.scores", 0, "tokenizer arrays disagree in length: "
                    + tokens.length + " tokens, " + scores.length + " scores, "
                    + (typeCodes == null ? "no" : typeCodes.length) + " types");
        }
        TokenType[] types = new TokenType[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            types[i] = typeCodes == null ? TokenType.NORMAL : TokenType.of(typeCodes[i]);
        }
        boolean spm = model.equals("llama");
        return new Vocabulary(model, tokens, scores, types,
                id(file, "tokenizer.ggml.bos_token_id", tokens.length, spm ? 1 : NONE),
                id(file, "tokenizer.ggml.eos_token_id", tokens.length, spm ? 2 : NONE),
                id(file, "tokenizer.ggml.unknown_token_id", tokens.length, spm ? 0 : NONE),
                file.bool("tokenizer.ggml.add_bos_token").orElse(spm),
                file.bool("tokenizer.ggml.add_eos_token").orElse(false),
                file.bool("tokenizer.ggml.add_space_prefix").orElse(spm));
    }

    private static int id(GgufFile file, String key, int size, int fallback) {
        long v = file.integer(key).orElse((long) fallback);
        return v >= 0 && v < size ? (int) v : NONE;
    }

    public String model() {
        return model;
    }

    public int size() {
        return tokens.length;
    }

    public String text(int id) {
        return tokens[id];
    }

    public float score(int id) {
        return scores[id];
    }

    public TokenType type(int id) {
        return types[id];
    }

    /** The id of a token with exactly this text, or {@link #NONE}. */
    public int id(String text) {
        Integer id = ids.get(text);
        return id == null ? NONE : id;
    }

    public int bos() {
        return bos;
    }

    public int eos() {
        return eos;
    }

    public int unknown() {
        return unknown;
    }

    public boolean addBos() {
        return addBos;
    }

    public boolean addEos() {
        return addEos;
    }

    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /** Whether generation should stop at this token (end of sequence, or another end-of-generation control token). */
    public boolean isEndOfGeneration(int id) {
        return id == eos;
    }
}
