package org.llmexplorer.engine.template;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;
import org.llmexplorer.engine.tokenizer.Vocabulary;

/**
 * A model's chat template: {@code tokenizer.chat_template} from the GGUF file, or a {@link BuiltinTemplate} where
 * the file has none, rendered the way Hugging Face's {@code apply_chat_template} does. The template sees
 * {@code messages}, {@code add_generation_prompt}, {@code tools} (null unless given), {@code documents} (null),
 * the special-token texts the vocabulary has ({@code bos_token}, {@code eos_token}, {@code unk_token},
 * {@code pad_token}; absent ones stay undefined) and any extra variables, such as {@code enable_thinking}.
 */
public final class ChatTemplate {
    /** The GGUF metadata key of the template. */
    public static final String METADATA_KEY = "tokenizer.chat_template";

    private final String source;
    private final BuiltinTemplate builtin;
    private final JinjaTemplate template;
    private final Map<String, String> specialTokens;
    private final int[] endOfTurnTokens;

    private ChatTemplate(String source, BuiltinTemplate builtin, Map<String, String> specialTokens,
                         int[] endOfTurnTokens) {
        this.source = source;
        this.builtin = builtin;
        this.template = JinjaTemplate.parse(source);
        this.specialTokens = Map.copyOf(specialTokens);
        this.endOfTurnTokens = endOfTurnTokens.clone();
    }

    /**
     * The template of a GGUF file, or the built-in one for its family. The special tokens and the end-of-turn ids
     * come from the file's vocabulary; a template that does not parse fails here with its line and column.
     */
    public static ChatTemplate of(GgufFile file) throws GgufFormatException {
        Vocabulary vocabulary = Vocabulary.from(file);
        Map<String, String> special = new LinkedHashMap<>();
        int padding = file.integer("tokenizer.ggml.padding_token_id").map(Long::intValue).orElse(Vocabulary.NONE);
        // A BPE vocabulary without BOS/EOS keys gets llama.cpp's fallback id (11) for tokenizing; Hugging Face's
        // template sees no such token, so only ids the file names (or SentencePiece's real defaults) count here.
        boolean named = vocabulary.model().equals("llama");
        putToken(special, "bos_token", vocabulary,
                named || file.integer("tokenizer.ggml.bos_token_id").isPresent() ? vocabulary.bos() : Vocabulary.NONE);
        putToken(special, "eos_token", vocabulary,
                named || file.integer("tokenizer.ggml.eos_token_id").isPresent() ? vocabulary.eos() : Vocabulary.NONE);
        putToken(special, "unk_token", vocabulary, vocabulary.unknown());
        putToken(special, "pad_token", vocabulary, padding);
        int[] endOfTurn = IntStream.range(0, vocabulary.size()).filter(vocabulary::isEndOfGeneration).toArray();
        Optional<String> stored = file.string(METADATA_KEY).filter(s -> !s.isBlank());
        if (stored.isPresent()) {
            return new ChatTemplate(stored.get(), null, special, endOfTurn);
        }
        BuiltinTemplate b = BuiltinTemplate.choose(file.string("general.architecture").orElse(""), vocabulary);
        return new ChatTemplate(b.source(), b, special, endOfTurn);
    }

    /** A template from its source, with the special-token texts it may use ({@code bos_token}, ...). */
    public static ChatTemplate of(String source, Map<String, String> specialTokens, int... endOfTurnTokens) {
        return new ChatTemplate(source, null, specialTokens, endOfTurnTokens);
    }

    /** A built-in template with the special-token texts it may use. */
    public static ChatTemplate of(BuiltinTemplate builtin, Map<String, String> specialTokens, int... endOfTurnTokens) {
        return new ChatTemplate(builtin.source(), builtin, specialTokens, endOfTurnTokens);
    }

    private static void putToken(Map<String, String> special, String name, Vocabulary vocabulary, int id) {
        if (id >= 0 && id < vocabulary.size()) {
            special.put(name, vocabulary.text(id));
        }
    }

    /**
     * Renders a conversation. {@code extraContext} may hold {@code tools} (a list of tool definitions) and any other
     * variables the template reads; it may be null.
     *
     * @throws TemplateException with the template's own message where it raises one
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extraContext) {
        Map<String, Object> context = new HashMap<>();
        context.put("tools", null);
        context.put("documents", null);
        context.putAll(specialTokens);
        if (extraContext != null) {
            context.putAll(extraContext);
        }
        context.put("messages", messages.stream().map(ChatMessage::fields).toList());
        context.put("add_generation_prompt", addGenerationPrompt);
        return template.render(context);
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /** The built-in template used because the file has none; empty for a template from the file. */
    public Optional<BuiltinTemplate> builtin() {
        return Optional.ofNullable(builtin);
    }

    /** Where the template comes from: {@code tokenizer.chat_template} or {@code built-in <family>}. */
    public String origin() {
        return builtin == null ? METADATA_KEY : "built-in " + builtin.id();
    }

    /** The special-token texts the template sees, by variable name. */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /**
     * The token ids that end a turn and so should stop generation: the vocabulary's end-of-generation set (EOS,
     * EOT, {@code <|im_end|>}, {@code <end_of_turn>}, {@code <|eot_id|>}, ...), ascending.
     */
    public int[] endOfTurnTokens() {
        return endOfTurnTokens.clone();
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + origin() + ", " + source.length() + " chars, end of turn "
                + Arrays.toString(endOfTurnTokens) + "]";
    }
}
