package org.llmexplorer.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE (GGUF {@code tokenizer.ggml.model = "llama"}), as llama.cpp applies it:
 * spaces become U+2581, the text starts as single UTF-8 characters, and the adjacent pair whose
 * merge is the highest-scoring vocabulary entry is merged until no pair is in the vocabulary.
 * Characters the vocabulary lacks fall back to {@code <0xNN>} byte tokens.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    static final String SPACE_MARK = "\u2581";

    private final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;
    private final int[] byteTokens = new int[256];

    public SentencePieceTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
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

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addSpecial && vocab.addBos() && vocab.bos() != Vocabulary.NONE) {
            out.add(vocab.bos());
        }
        boolean afterSpecial = true; // the text's start counts as following a special token
        for (SpecialTokenSplitter.Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                afterSpecial = true;
                continue;
            }
            String piece = (vocab.addSpacePrefix() && afterSpecial ? " " : "") + f.text();
            encodePiece(piece.replace(" ", SPACE_MARK), out);
            afterSpecial = false;
        }
        if (addSpecial && vocab.addEos() && vocab.eos() != Vocabulary.NONE) {
            out.add(vocab.eos());
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One symbol of the working sequence: a slice of the text, linked to its neighbours. */
    private static final class Symbol {
        int start;
        int length; // in chars of the Java string; 0 once merged into its left neighbour
        int prev;
        int next;
    }

    private record Bigram(int left, int right, float score, int length) {
    }

    private void encodePiece(String text, List<Integer> out) {
        List<Symbol> symbols = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            Symbol s = new Symbol();
            s.start = i;
            s.length = Character.charCount(text.codePointAt(i));
            s.prev = symbols.size() - 1;
            s.next = i + s.length < text.length() ? symbols.size() + 1 : -1;
            symbols.add(s);
            i += s.length;
        }
        // Highest score first; on equal scores the leftmost pair. Scores compare as floats do in C (0.0 equals
        // -0.0, which reconstructed vocabularies contain), not by Float.compare.
        PriorityQueue<Bigram> queue = new PriorityQueue<>((a, b) -> a.score > b.score ? -1
                : a.score < b.score ? 1 : Integer.compare(a.left, b.left));
        for (int i = 1; i < symbols.size(); i++) {
            offer(text, symbols, i - 1, i, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            Symbol left = symbols.get(bg.left);
            Symbol right = symbols.get(bg.right);
            if (left.length == 0 || right.length == 0 || left.length + right.length != bg.length) {
                continue; // stale: one side has been merged since this pair was queued
            }
            left.length += right.length;
            right.length = 0;
            left.next = right.next;
            if (right.next >= 0) {
                symbols.get(right.next).prev = bg.left;
            }
            offer(text, symbols, left.prev, bg.left, queue);
            offer(text, symbols, bg.left, left.next, queue);
        }
        for (int i = symbols.isEmpty() ? -1 : 0; i != -1; i = symbols.get(i).next) {
            Symbol s = symbols.get(i);
            emit(text.substring(s.start, s.start + s.length), out);
        }
    }

    private void offer(String text, List<Symbol> symbols, int left, int right, PriorityQueue<Bigram> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        Symbol l = symbols.get(left);
        Symbol r = symbols.get(right);
        String merged = text.substring(l.start, r.start + r.length);
        int id = vocab.id(merged);
        if (id != Vocabulary.NONE) {
            queue.add(new Bigram(left, right, vocab.score(id), merged.length()));
        }
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
