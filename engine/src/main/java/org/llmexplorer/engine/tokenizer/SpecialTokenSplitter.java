package org.llmexplorer.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts text at the places where special tokens are written out, before the subword tokenizer
 * sees it. User-defined tokens are always recognised; control and unknown tokens only when
 * special parsing is asked for. Longer tokens are matched first, across the whole text.
 */
final class SpecialTokenSplitter {

    /** A piece of the input: raw text to tokenize, or a token id already decided. */
    record Fragment(String text, int token) {
        boolean isToken() {
            return text == null;
        }
    }

    private final Vocabulary vocab;
    private final int[] specials; // ids sorted by text length, longest first

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            TokenType t = vocab.type(i);
            if ((t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN)
                    && !vocab.text(i).isEmpty()) {
                ids.add(i);
            }
        }
        ids.sort(Comparator.comparingInt((Integer i) -> vocab.text(i).length()).reversed());
        specials = ids.stream().mapToInt(Integer::intValue).toArray();
    }

    List<Fragment> split(String text, boolean parseSpecial) {
        List<Fragment> fragments = new ArrayList<>();
        if (!text.isEmpty()) {
            fragments.add(new Fragment(text, -1));
        }
        for (int id : specials) {
            TokenType type = vocab.type(id);
            if (!parseSpecial && type != TokenType.USER_DEFINED) {
                continue;
            }
            String special = vocab.text(id);
            List<Fragment> next = new ArrayList<>(fragments.size());
            for (Fragment f : fragments) {
                if (f.isToken() || !f.text().contains(special)) {
                    next.add(f);
                    continue;
                }
                String rest = f.text();
                int at;
                while ((at = rest.indexOf(special)) >= 0) {
                    if (at > 0) {
                        next.add(new Fragment(rest.substring(0, at), -1));
                    }
                    next.add(new Fragment(null, id));
                    rest = rest.substring(at + special.length());
                }
                if (!rest.isEmpty()) {
                    next.add(new Fragment(rest, -1));
                }
            }
            fragments = next;
        }
        return fragments;
    }
}
