package org.llmexplorer.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Byte-level BPE (GGUF {@code tokenizer.ggml.model = "gpt2"}), as llama.cpp's {@code llm_tokenizer_bpe} applies it:
 * special and user-defined tokens are cut out first, the rest is cut into words by the vocabulary's
 * {@link PreTokenizer}, each word's UTF-8 bytes are written in GPT-2's {@link ByteLevel} alphabet, and within a word
 * the adjacent pair with the lowest merge rank is merged (the leftmost among equals) until no pair has a merge.
 * A symbol that is no token falls back to the tokens of its single bytes, where those exist.
 */
public final class BpeTokenizer extends FragmentTokenizer {
    private final PreTokenizer preTokenizer;
    private final MergeRanks ranks;

    /** @throws IllegalArgumentException if the vocabulary's pre-tokenizer is not one of {@link PreTokenizer}'s */
    public BpeTokenizer(Vocabulary vocab) {
        super(vocab);
        this.preTokenizer = PreTokenizer.named(vocab.preTokenizer()).orElseThrow(() -> new IllegalArgumentException(
                "pre-tokenizer '" + vocab.preTokenizer() + "' is not supported (supported: "
                        + PreTokenizer.supportedNames() + ")"));
        this.ranks = new MergeRanks(vocab);
    }

    @Override
    void encodeText(String text, boolean afterToken, List<Integer> out) {
        for (String word : preTokenizer.split(text)) {
            encodeWord(ByteLevel.encode(word), out);
        }
    }

    /** One word, already in the byte-level alphabet. */
    private void encodeWord(String word, List<Integer> out) {
        if (preTokenizer.ignoresMerges()) {
            int id = vocab.id(word);
            if (id != Vocabulary.NONE) {
                out.add(id);
                return;
            }
        }
        for (String symbol : PairMerger.merge(word, this::priority)) {
            int id = vocab.id(symbol);
            if (id != Vocabulary.NONE) {
                out.add(id);
                continue;
            }
            // As llama.cpp: the token whose text is one byte of the symbol's UTF-8, where there is one; only
            // ASCII bytes can be a token's whole text, the others are left out.
            for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                int byteToken = b >= 0 ? vocab.id(String.valueOf((char) b)) : Vocabulary.NONE;
                if (byteToken != Vocabulary.NONE) {
                    out.add(byteToken);
                }
            }
        }
    }

    private double priority(String word, int start, int middle, int end) {
        int rank = ranks.rank(word.substring(start, middle), word.substring(middle, end));
        return rank == MergeRanks.NONE ? PairMerger.NEVER : rank;
    }

    /**
     * As llama.cpp's {@code token_to_piece} for BPE vocabularies: normal tokens turned back from the byte-level
     * alphabet into bytes, user-defined tokens as written, control and unknown tokens as written only when
     * {@code special} is set, unused, byte and undefined tokens as nothing.
     */
    @Override
    public byte[] piece(int token, boolean special) {
        String text = vocab.text(token);
        return switch (vocab.type(token)) {
            case NORMAL -> bytesOf(text);
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case CONTROL, UNKNOWN -> special ? text.getBytes(StandardCharsets.UTF_8) : new byte[0];
            case UNUSED, BYTE, UNDEFINED -> new byte[0];
        };
    }

    /**
     * The bytes a byte-level text stands for. A character outside the alphabet becomes, as in llama.cpp's
     * {@code llama_decode_text}, {@code [UNK_BYTE_0x} + its UTF-8 in hex + the whole token text + {@code ]}.
     */
    private static byte[] bytesOf(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = ByteLevel.byteOf(cp);
            if (b >= 0) {
                out.write(b);
                return;
            }
            StringBuilder unknown = new StringBuilder("[UNK_BYTE_0x");
            for (byte u : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                unknown.append(String.format("%02x", u & 0xFF));
            }
            unknown.append(text).append(']');
            out.writeBytes(unknown.toString().getBytes(StandardCharsets.UTF_8));
        });
        return out.toByteArray();
    }
}
