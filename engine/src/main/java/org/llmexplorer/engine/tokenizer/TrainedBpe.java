package org.llmexplorer.engine.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufValueType;

/**
 * A byte-level BPE vocabulary learned by {@link BpeTrainer}: BOS and EOS, the 256 byte
 * characters, then one token per merge; written as the GGUF {@code tokenizer.ggml.*} keys that
 * this engine and llama.cpp read ({@code model = gpt2}).
 */
public record TrainedBpe(String[] tokens, int[] types, String[] merges, String preTokenizer) {
    /** The special tokens, at ids 0 (BOS) and 1 (EOS). */
    public static final List<String> SPECIALS = List.of("<s>", "</s>");
    public static final int BOS = 0;
    public static final int EOS = 1;

    static TrainedBpe of(List<String> symbols, List<String> merges, String pre) {
        int n = SPECIALS.size() + symbols.size();
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            boolean special = i < SPECIALS.size();
            tokens[i] = special ? SPECIALS.get(i) : symbols.get(i - SPECIALS.size());
            types[i] = special ? TokenType.CONTROL.ordinal() : TokenType.NORMAL.ordinal();
        }
        return new TrainedBpe(tokens, types, merges.toArray(String[]::new), pre);
    }

    /** The vocabulary saved in a GGUF file's tokenizer keys (a checkpoint, or a model trained here). */
    public static TrainedBpe from(GgufFile file) {
        return new TrainedBpe(
                file.array("tokenizer.ggml.tokens").orElseThrow().strings(),
                file.array("tokenizer.ggml.token_type").orElseThrow().ints(),
                file.array("tokenizer.ggml.merges").orElseThrow().strings(),
                file.string("tokenizer.ggml.pre").orElseThrow());
    }

    public int size() {
        return tokens.length;
    }

    /** The keys of a GGUF file that describe this tokenizer. */
    public Map<String, GgufValue> metadata() {
        Map<String, GgufValue> m = new LinkedHashMap<>();
        m.put("tokenizer.ggml.model", GgufValue.ofString("gpt2"));
        m.put("tokenizer.ggml.pre", GgufValue.ofString(preTokenizer));
        m.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, tokens)));
        m.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, types)));
        m.put("tokenizer.ggml.merges", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, merges)));
        m.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(BOS));
        m.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(EOS));
        m.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(true));
        m.put("tokenizer.ggml.add_eos_token", GgufValue.ofBool(false));
        return m;
    }

    /** The tokenizer a model file with {@link #metadata()} gets from {@link Tokenizer#from}. */
    public Tokenizer tokenizer() {
        TokenType[] tokenTypes = new TokenType[types.length];
        for (int i = 0; i < types.length; i++) {
            tokenTypes[i] = TokenType.of(types[i]);
        }
        Vocabulary.Extras extras = new Vocabulary.Extras(Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE,
                Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, "", preTokenizer);
        return new BpeTokenizer(new Vocabulary("gpt2", tokens, new float[tokens.length], tokenTypes, BOS, EOS,
                Vocabulary.NONE, true, false, false, extras, merges));
    }
}
