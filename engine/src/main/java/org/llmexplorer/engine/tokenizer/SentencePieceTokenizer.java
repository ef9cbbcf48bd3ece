package org.llmexplorer.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SentencePiece-style BPE (GGUF {@code tokenizer.ggml.model = "llama"}), as llama.cpp applies it:
 * spaces become U+2581, the text starts as single UTF-8 characters, and the adjacent pair whose
 * merge is the highest-scoring vocabulary entry is merged until no pair is in the vocabulary.
 * Characters the vocabulary lacks fall back to {@code <0xNN>} byte tokens.
 */
public final class SentencePieceTokenizer extends FragmentTokenizer {
    static final String SPACE_MARK = "\u2581";

    private final int[] byteTokens = new int[256];

    public SentencePieceTokenizer(Vocabulary vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id == Vocabulary.NONE && b > 0 && b < 128) {
                // llama.cpp falls back to a token whose text is the byte itself; for NUL that would be the
                // empty text, which no token has, and bytes from 0x80 on are no text of their own.
                id = vocab.id(String.valueOf((char) b));
            }
            byteTokens[b] = id;
        }
    }

    /**
     * A space first where the vocabulary asks for it and the text starts the input or follows a token, spaces as
     * U+2581, then the pair whose joined text is the highest-scoring vocabulary entry merged first.
     */
    @Override
    void encodeText(String text, boolean afterToken, List<Integer> out) {
        String piece = ((vocab.addSpacePrefix() && afterToken ? " " : "") + text).replace(" ", SPACE_MARK);
        for (String symbol : PairMerger.merge(piece, this::priority)) {
            emit(symbol, out);
        }
    }

    private double priority(String text, int start, int middle, int end) {
        int id = vocab.id(text.substring(start, end));
        return id == Vocabulary.NONE ? PairMerger.NEVER : -vocab.score(id);
    }

    private void emit(String symbol, List<Integer> out) {
        int id = vocab.id(symbol);
        if (id != Vocabulary.NONE) {
            out.add(id);
            return;
        }
        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
            int t = byteTokens[b & 0xFF];
            out.add(t != Vocabulary.NONE ? t : vocab.unknown());
        }
    }

    /**
     * As llama.cpp's {@code token_to_piece} for SentencePiece: normal tokens with U+2581 turned back into spaces,
     * user-defined tokens as written (their spaces are real spaces), byte tokens as their byte, control and
     * unknown tokens as written only when {@code special} is set, unused and undefined tokens as nothing.
     */
    @Override
    public byte[] piece(int token, boolean special) {
        String text = vocab.text(token);
        return switch (vocab.type(token)) {
            case NORMAL -> text.replace(SPACE_MARK, " ").getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case BYTE -> new byte[] {byteOf(text)};
            case CONTROL, UNKNOWN -> special ? text.getBytes(StandardCharsets.UTF_8) : new byte[0];
            case UNUSED, UNDEFINED -> new byte[0];
        };
    }

    /** The byte of a {@code <0xNN>} token: the hex digits from the fourth character on, as C's strtol reads them. */
    private static byte byteOf(String text) {
        int value = 0;
        for (int i = 3; i < Math.min(5, text.length()); i++) {
            char c = text.charAt(i);
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (digit < 0) {
                break;
            }
            value = value * 16 + digit;
        }
        return (byte) value;
    }
}
