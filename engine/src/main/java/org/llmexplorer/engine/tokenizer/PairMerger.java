package org.llmexplorer.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The merge loop llama.cpp's SentencePiece and BPE tokenizers share: the text starts as one symbol per code point;
 * every adjacent pair that may merge is queued with its priority; the queued pair with the lowest priority value
 * (the leftmost among equals) is merged into one symbol, and the new symbol's pairs with its neighbours are queued;
 * a pair one of whose symbols has changed since it was queued is dropped when it comes up.
 */
final class PairMerger {
    /** What a {@link Priority} gives for a pair that does not merge. */
    static final double NEVER = Double.NaN;

    /** How soon the symbols {@code text[start, middle)} and {@code text[middle, end)} merge: lower values first. */
    interface Priority {
        double of(String text, int start, int middle, int end);
    }

    /** One symbol: a slice of the text, linked to its neighbours. */
    private static final class Symbol {
        final int start;
        int length; // in chars of the Java string; 0 once merged into its left neighbour
        int prev;
        int next;

        Symbol(int start, int length, int prev, int next) {
            this.start = start;
            this.length = length;
            this.prev = prev;
            this.next = next;
        }
    }

    private record Pair(int left, int right, double priority, int length) {
    }

    private PairMerger() {
    }

    /** The symbols left when no adjacent pair merges any more, in text order. */
    static List<String> merge(String text, Priority priority) {
        List<Symbol> symbols = new ArrayList<>();
        for (int i = 0; i < text.length(); ) {
            int length = Character.charCount(text.codePointAt(i));
            symbols.add(new Symbol(i, length, symbols.size() - 1, i + length < text.length() ? symbols.size() + 1 : -1));
            i += length;
        }
        // Compared with < and > as C compares floats, so that 0.0 and -0.0 are equal (Double.compare tells them apart).
        PriorityQueue<Pair> queue = new PriorityQueue<>((a, b) -> a.priority < b.priority ? -1
                : a.priority > b.priority ? 1 : Integer.compare(a.left, b.left));
        for (int i = 1; i < symbols.size(); i++) {
            offer(text, symbols, i - 1, i, priority, queue);
        }
        while (!queue.isEmpty()) {
            Pair pair = queue.poll();
            Symbol left = symbols.get(pair.left);
            Symbol right = symbols.get(pair.right);
            if (left.length == 0 || right.length == 0 || left.length + right.length != pair.length) {
                continue; // stale: one side has been merged since this pair was queued
            }
            left.length += right.length;
            right.length = 0;
            left.next = right.next;
            if (right.next >= 0) {
                symbols.get(right.next).prev = pair.left;
            }
            offer(text, symbols, left.prev, pair.left, priority, queue);
            offer(text, symbols, pair.left, left.next, priority, queue);
        }
        List<String> out = new ArrayList<>();
        for (int i = symbols.isEmpty() ? -1 : 0; i != -1; i = symbols.get(i).next) {
            Symbol s = symbols.get(i);
            out.add(text.substring(s.start, s.start + s.length));
        }
        return out;
    }

    private static void offer(String text, List<Symbol> symbols, int left, int right, Priority priority,
                              PriorityQueue<Pair> queue) {
        if (left < 0 || right < 0) {
            return;
        }
        Symbol l = symbols.get(left);
        Symbol r = symbols.get(right);
        double p = priority.of(text, l.start, r.start, r.start + r.length);
        if (!Double.isNaN(p)) {
            queue.add(new Pair(left, right, p, l.length + r.length));
        }
    }
}
