package org.llmexplorer.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts text at the places where special tokens are written out, before the subword tokenizer sees it, as
 * llama.cpp's {@code tokenizer_st_partition}: user-defined tokens are always recognised; control and unknown
 * tokens only when special parsing is asked for. The special tokens are tried one after another, longest text
 * first; each is cut out of every remaining piece of raw text at all its non-overlapping occurrences, leftmost
 * first. A token with the left-strip (right-strip) attribute also drops the ASCII whitespace that directly
 * precedes (follows) it within the same piece of raw text.
 *
 * <p>llama.cpp orders tokens of equal length with {@code std::sort}, which is not stable; here they keep id
 * order. The order only matters for two equal-length special tokens whose occurrences overlap (one's end is the
 * other's start), which none of the vocabularies tested here has.
 */
final class SpecialTokenSplitter {

    /** A piece of the input: raw text to tokenize, or a token id already decided. */
    record Fragment(String text, int token) {
        boolean isToken() {
            return text == null;
        }
    }

    /** A piece during splitting: the raw text {@code [start, end)} of the input, or a token. */
    private record Piece(int start, int end, int token) {
        boolean isToken() {
            return token >= 0;
        }
    }

    private final Vocabulary vocab;
    private final int[] specials; // ids sorted by text length in UTF-8 bytes, longest first

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        List<Integer> ids = new ArrayList<>();
        int[] utf8Length = new int[vocab.size()];
        for (int i = 0; i < vocab.size(); i++) {
            if (vocab.isSpecial(i)) {
                ids.add(i);
                utf8Length[i] = utf8Length(vocab.text(i));
            }
        }
        ids.sort(Comparator.comparingInt((Integer i) -> utf8Length[i]).reversed());
        specials = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** C's {@code isspace} in the "C" locale, which llama.cpp applies to single bytes. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Piece> pieces = new ArrayList<>();
        if (!text.isEmpty()) {
            pieces.add(new Piece(0, text.length(), -1));
        }
        for (int id : specials) {
            TokenType type = vocab.type(id);
            if (!parseSpecial && (type == TokenType.CONTROL || type == TokenType.UNKNOWN)) {
                continue;
            }
            String special = vocab.text(id);
            boolean lstrip = vocab.lstrip(id);
            boolean rstrip = vocab.rstrip(id);
            List<Piece> next = null; // allocated at the first piece this token cuts
            for (int p = 0; p < pieces.size(); p++) {
                Piece piece = pieces.get(p);
                int at = piece.isToken() ? -1 : text.indexOf(special, piece.start());
                if (at < 0 || at + special.length() > piece.end()) {
                    if (next != null) {
                        next.add(piece);
                    }
                    continue;
                }
                if (next == null) {
                    next = new ArrayList<>(pieces.subList(0, p));
                }
                int start = piece.start();
                int end = piece.end();
                while (at >= 0 && at + special.length() <= end) {
                    int left = at;
                    if (lstrip) {
                        while (left > start && isAsciiSpace(text.charAt(left - 1))) {
                            left--;
                        }
                    }
                    if (left > start) {
                        next.add(new Piece(start, left, -1));
                    }
                    next.add(new Piece(at, at + special.length(), id));
                    start = at + special.length();
                    if (rstrip) {
                        while (start < end && isAsciiSpace(text.charAt(start))) {
                            start++;
                        }
                    }
                    at = text.indexOf(special, start);
                }
                if (start < end) {
                    next.add(new Piece(start, end, -1));
                }
            }
            if (next != null) {
                pieces = next;
            }
        }
        List<Fragment> fragments = new ArrayList<>(pieces.size());
        for (Piece piece : pieces) {
            fragments.add(piece.isToken() ? new Fragment(null, piece.token())
                    : new Fragment(text.substring(piece.start(), piece.end()), -1));
        }
        return fragments;
    }
}
