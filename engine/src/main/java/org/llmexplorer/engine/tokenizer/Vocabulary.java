package org.llmexplorer.engine.tokenizer;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;
import org.llmexplorer.engine.gguf.GgufValue;

/**
 * A model's vocabulary as GGUF stores it under {@code tokenizer.ggml.*}, read the way llama.cpp reads it:
 * <ul>
 *   <li>an empty token text becomes {@code [EMPTY_<id>]}, so that no token matches the empty string;</li>
 *   <li>when two tokens share a text, the text stands for the later id;</li>
 *   <li>a special-token id key that points outside the vocabulary is ignored (the default id stays); the defaults
 *       are BOS 1, EOS 2, unknown 0 for SentencePiece ({@code llama}) and BOS = EOS = 11 for BPE ({@code gpt2});</li>
 *   <li>BPE vocabularies must have {@code tokenizer.ggml.merges}; whether BOS is added when
 *       {@code tokenizer.ggml.add_bos_token} is absent depends on the pre-tokenizer ({@link PreTokenizer#addsBos()}:
 *       true for Llama 3's {@code llama-bpe});</li>
 *   <li>tokens that llama.cpp recognises by their text as end-of-turn, end-of-generation or fill-in-the-middle
 *       tokens ({@code <|eot_id|>}, {@code <end_of_turn>}, {@code <|fim_prefix|>}, ...) are treated as control
 *       tokens even when the file types them otherwise, and the end-of-generation set is built the same way;</li>
 *   <li>the per-token strip attributes llama.cpp sets by model name: Phi-3 (general.name containing "phi-3" or
 *       "phi3") strips whitespace to the right of its special tokens except {@code <unk>}, {@code <s>} and
 *       {@code <|endoftext|>}; the jina-v2 de/es/code tokenizers strip whitespace to the left of {@code <mask>}.</li>
 * </ul>
 */
public final class Vocabulary {
    public static final int NONE = -1;

    private static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>");
    private static final List<String> EOM_TEXTS = List.of("<|eom_id|>");
    private static final List<String> FIM_PRE_TEXTS = List.of("<|fim_prefix|>", "<fim-prefix>",
            "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>");
    private static final List<String> FIM_SUF_TEXTS = List.of("<|fim_suffix|>", "<fim-suffix>",
            "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>");
    private static final List<String> FIM_MID_TEXTS = List.of("<|fim_middle|>", "<fim-middle>",
            "<\uFF5Cfim\u2581end\uFF5C>", "<MID>");
    private static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<PAD>");
    private static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>");
    private static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");
    private static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|eom_id|>", "<EOT>");

    /**
     * Ids of the optional special tokens a GGUF file may name ({@code tokenizer.ggml.eot_token_id}, ...), and the
     * names that select per-token attributes. {@link #NONE} where the file names none.
     */
    public record Extras(int eot, int eom, int fimPre, int fimSuf, int fimMid, int fimPad, int fimRep, int fimSep,
                         String modelName, String preTokenizer) {
        public static final Extras NONE = new Extras(Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE,
                Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, Vocabulary.NONE, "", "");
    }

    private final String model;
    private final String preTokenizer;
    private final String[] tokens;
    private final String[] merges;
    private final float[] scores;
    private final TokenType[] types;
    private final boolean[] lstrip;
    private final boolean[] rstrip;
    private final Map<String, Integer> ids;
    private final Set<Integer> endOfGeneration;
    private final int bos;
    private final int eos;
    private final int unknown;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;

    public Vocabulary(String model, String[] tokens, float[] scores, TokenType[] types, int bos, int eos,
                      int unknown, boolean addBos, boolean addEos, boolean addSpacePrefix) {
        this(model, tokens, scores, types, bos, eos, unknown, addBos, addEos, addSpacePrefix, Extras.NONE,
                new String[0]);
    }

    /** @param merges BPE merges, lowest rank first, each two texts separated by a space */
    public Vocabulary(String model, String[] tokens, float[] scores, TokenType[] types, int bos, int eos,
                      int unknown, boolean addBos, boolean addEos, boolean addSpacePrefix, Extras extras,
                      String[] merges) {
        int n = tokens.length;
        this.model = model;
        this.preTokenizer = extras.preTokenizer() == null ? "" : extras.preTokenizer();
        this.merges = merges.clone();
        this.tokens = new String[n];
        this.scores = scores.clone();
        this.types = types.clone();
        this.lstrip = new boolean[n];
        this.rstrip = new boolean[n];
        this.bos = bos;
        this.eos = eos;
        this.unknown = unknown;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        this.ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String text = tokens[i].isEmpty() ? "[EMPTY_" + i + "]" : tokens[i];
            this.tokens[i] = text;
            ids.put(text, i); // a text that appears twice maps to its last id, as in llama.cpp
        }

        // Special tokens found by their text where the file does not name them.
        int eot = detect(extras.eot(), EOT_TEXTS);
        int eom = detect(extras.eom(), EOM_TEXTS);
        detect(extras.fimPre(), FIM_PRE_TEXTS);
        detect(extras.fimSuf(), FIM_SUF_TEXTS);
        detect(extras.fimMid(), FIM_MID_TEXTS);
        int fimPad = detect(extras.fimPad(), FIM_PAD_TEXTS);
        int fimRep = detect(extras.fimRep(), FIM_REP_TEXTS);
        int fimSep = detect(extras.fimSep(), FIM_SEP_TEXTS);
        Set<Integer> eog = new LinkedHashSet<>();
        for (int id : new int[] {fimPad, fimRep, fimSep}) {
            if (id != NONE) {
                eog.add(id);
            }
        }
        for (String text : EOG_TEXTS) {
            Integer id = ids.get(text);
            if (id != null) {
                eog.add(id);
                this.types[id] = TokenType.CONTROL;
            }
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id != NONE) {
                eog.add(id);
            }
        }
        this.endOfGeneration = Set.copyOf(eog);

        // Per-token strip attributes, chosen by tokenizer and model name.
        String pre = preTokenizer;
        String name = extras.modelName() == null ? "" : extras.modelName().toLowerCase(Locale.ROOT);
        if (pre.contains("jina-v2-de") || pre.contains("jina-v2-es") || pre.contains("jina-v2-code")) {
            setFlag(lstrip, "<mask>", true);
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int i = 0; i < n; i++) {
                if (isSpecial(i)) {
                    rstrip[i] = true;
                }
            }
            setFlag(rstrip, "</s>", true);
            for (String text : new String[] {"<unk>", "<s>", "<|endoftext|>"}) {
                setFlag(rstrip, text, false);
            }
        }
    }

    /** The id a file names, or else a token with one of the texts, which then counts as a control token. */
    private int detect(int named, List<String> texts) {
        if (named != NONE) {
            return named;
        }
        int found = NONE;
        for (String text : texts) {
            Integer id = ids.get(text);
            if (id != null) {
                types[id] = TokenType.CONTROL;
                if (found == NONE) {
                    found = id;
                }
            }
        }
        return found;
    }

    private void setFlag(boolean[] flags, String text, boolean value) {
        Integer id = ids.get(text);
        if (id != null) {
            flags[id] = value;
        }
    }

    public static Vocabulary from(GgufFile file) throws GgufFormatException {
        String name = file.path().getFileName().toString();
        String model = file.string("tokenizer.ggml.model").orElseThrow(() ->
                file.keyError("tokenizer.ggml.model", "the file has no tokenizer"));
        String[] tokens = file.array("tokenizer.ggml.tokens")
                .filter(a -> a.values() instanceof String[])
                .map(GgufValue.GgufArray::strings)
                .orElseThrow(() -> file.keyError("tokenizer.ggml.tokens",
                        "tokenizer.ggml.tokens is missing or not an array of strings"));
        float[] scores = file.array("tokenizer.ggml.scores").filter(a -> a.values() instanceof float[])
                .map(GgufValue.GgufArray::floats).orElse(new float[tokens.length]);
        int[] typeCodes = file.array("tokenizer.ggml.token_type").filter(a -> a.values() instanceof int[])
                .map(GgufValue.GgufArray::ints).orElse(null);
        if (scores.length != tokens.length || (typeCodes != null && typeCodes.length != tokens.length)) {
            throw file.keyError("tokenizer.ggml.scores", "tokenizer arrays disagree in length: "
                    + tokens.length + " tokens, " + scores.length + " scores, "
                    + (typeCodes == null ? "no" : typeCodes.length) + " types");
        }
        TokenType[] types = new TokenType[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            types[i] = typeCodes == null ? TokenType.NORMAL : TokenType.of(typeCodes[i]);
        }
        boolean spm = model.equals("llama");
        boolean bpe = model.equals("gpt2");
        String[] merges = file.array("tokenizer.ggml.merges").filter(a -> a.values() instanceof String[])
                .map(GgufValue.GgufArray::strings).orElse(null);
        if (bpe && merges == null) {
            throw file.keyError("tokenizer.ggml.merges",
                    "a BPE (gpt2) tokenizer needs tokenizer.ggml.merges, an array of strings");
        }
        String pre = file.string("tokenizer.ggml.pre").orElse("");
        boolean addBosByDefault = spm || bpe && PreTokenizer.named(pre).map(PreTokenizer::addsBos).orElse(false);
        int defaultBos = spm ? 1 : bpe ? 11 : NONE;
        int defaultEos = spm ? 2 : bpe ? 11 : NONE;
        int n = tokens.length;
        Extras extras = new Extras(
                id(file, "tokenizer.ggml.eot_token_id", n, NONE),
                id(file, "tokenizer.ggml.eom_token_id", n, NONE),
                id(file, "tokenizer.ggml.fim_pre_token_id", n, id(file, "tokenizer.ggml.prefix_token_id", n, NONE)),
                id(file, "tokenizer.ggml.fim_suf_token_id", n, id(file, "tokenizer.ggml.suffix_token_id", n, NONE)),
                id(file, "tokenizer.ggml.fim_mid_token_id", n, id(file, "tokenizer.ggml.middle_token_id", n, NONE)),
                id(file, "tokenizer.ggml.fim_pad_token_id", n, NONE),
                id(file, "tokenizer.ggml.fim_rep_token_id", n, NONE),
                id(file, "tokenizer.ggml.fim_sep_token_id", n, NONE),
                file.string("general.name").orElse(""),
                pre);
        return new Vocabulary(model, tokens, scores, types,
                id(file, "tokenizer.ggml.bos_token_id", n, defaultBos),
                id(file, "tokenizer.ggml.eos_token_id", n, defaultEos),
                id(file, "tokenizer.ggml.unknown_token_id", n, spm ? 0 : NONE),
                file.bool("tokenizer.ggml.add_bos_token").orElse(addBosByDefault),
                file.bool("tokenizer.ggml.add_eos_token").orElse(false),
                file.bool("tokenizer.ggml.add_space_prefix").orElse(spm),
                extras, merges == null ? new String[0] : merges);
    }

    /** A special-token id key; one that is absent or outside the vocabulary leaves the default, as in llama.cpp. */
    private static int id(GgufFile file, String key, int size, int fallback) {
        Optional<Long> v = file.integer(key);
        if (v.isPresent() && v.get() >= 0 && v.get() < size) {
            return (int) (long) v.get();
        }
        return fallback >= 0 && fallback < size ? fallback : NONE;
    }

    public String model() {
        return model;
    }

    public int size() {
        return tokens.length;
    }

    /** The {@code tokenizer.ggml.pre} name ({@code ""} where the file has none). */
    public String preTokenizer() {
        return preTokenizer;
    }

    /** How many BPE merges the vocabulary has (none for SentencePiece). */
    public int mergeCount() {
        return merges.length;
    }

    /** The BPE merge of this rank (0 merges first) as the file writes it: the two texts separated by a space. */
    public String merge(int rank) {
        return merges[rank];
    }

    /** The token's text ({@code [EMPTY_<id>]} for a token the file gives no text). */
    public String text(int id) {
        return tokens[id];
    }

    public float score(int id) {
        return scores[id];
    }

    /** The token's type, with the text-detected control tokens described above typed {@link TokenType#CONTROL}. */
    public TokenType type(int id) {
        return types[id];
    }

    /** Whether the token's text is cut out of the input before the subword tokenizer runs. */
    boolean isSpecial(int id) {
        TokenType t = types[id];
        return t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN;
    }

    /** Whether whitespace to the left of this special token is dropped when it is cut out of the text. */
    boolean lstrip(int id) {
        return lstrip[id];
    }

    /** Whether whitespace to the right of this special token is dropped when it is cut out of the text. */
    boolean rstrip(int id) {
        return rstrip[id];
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

    /**
     * Whether generation should stop at this token: end of sequence, end of turn or message, the FIM pad, repo
     * and file-separator tokens, and tokens with an end-of-generation text, as llama.cpp's {@code llama_vocab_is_eog}.
     */
    public boolean isEndOfGeneration(int id) {
        return endOfGeneration.contains(id);
    }
}
