package org.llmexplorer.engine.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Learns a byte-level BPE vocabulary from text (Sennrich et al.'s merge learning on GPT-2's byte
 * alphabet): the text is cut into words by a {@link PreTokenizer}, every word starts as its
 * bytes, and the most frequent adjacent pair of symbols (over all words, weighted by word
 * counts) becomes a new symbol, again and again until the vocabulary has the size asked for.
 * The merges, in the order learned, are the ranks {@link BpeTokenizer} applies, so the
 * tokenizer cuts text exactly as the training did.
 */
public final class BpeTrainer {
    /** A pair seen fewer times than this is never merged. */
    private static final int MIN_COUNT = 2;

    private BpeTrainer() {
    }

    /**
     * @param vocabSize   tokens in all: the two special tokens, the 256 bytes, then merges
     * @param preTokenizer a {@code tokenizer.ggml.pre} name this engine and llama.cpp know, e.g. {@code gpt-2}
     */
    public static TrainedBpe train(List<String> texts, int vocabSize, String preTokenizer) {
        PreTokenizer pre = PreTokenizer.named(preTokenizer).orElseThrow(() -> new IllegalArgumentException(
                "unknown pre-tokenizer '" + preTokenizer + "' (known: " + PreTokenizer.supportedNames() + ")"));
        int first = TrainedBpe.SPECIALS.size() + 256;
        if (vocabSize < first) {
            throw new IllegalArgumentException("a byte-level vocabulary needs at least " + first + " tokens");
        }
        Map<String, Integer> wordCounts = new HashMap<>();
        for (String text : texts) {
            for (String word : pre.split(text)) {
                wordCounts.merge(ByteLevel.encode(word), 1, Integer::sum);
            }
        }

        // Symbols: the 256 byte characters, then one per merge. Words as symbol ids.
        List<String> symbols = new ArrayList<>();
        Map<Character, Integer> byteSymbol = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            byteSymbol.put(c, symbols.size());
            symbols.add(String.valueOf(c));
        }
        List<String> sortedWords = new ArrayList<>(wordCounts.keySet());
        sortedWords.sort(null); // a fixed order, so ties and counts never depend on hashing
        int[][] words = new int[sortedWords.size()][];
        int[] counts = new int[words.length];
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> wordsWithPair = new HashMap<>();
        for (int w = 0; w < words.length; w++) {
            String word = sortedWords.get(w);
            words[w] = word.chars().map(c -> byteSymbol.get((char) c)).toArray();
            counts[w] = wordCounts.get(word);
            addPairs(words[w], counts[w], w, 1, pairCounts, wordsWithPair);
        }

        List<String> merges = new ArrayList<>();
        while (first + merges.size() < vocabSize) {
            long best = bestPair(pairCounts, symbols);
            if (best < 0) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            int merged = symbols.size();
            symbols.add(symbols.get(left) + symbols.get(right));
            merges.add(symbols.get(left) + " " + symbols.get(right));
            for (int w : new ArrayList<>(wordsWithPair.getOrDefault(best, Set.of()))) {
                addPairs(words[w], counts[w], w, -1, pairCounts, wordsWithPair);
                words[w] = replace(words[w], left, right, merged);
                addPairs(words[w], counts[w], w, 1, pairCounts, wordsWithPair);
            }
            pairCounts.remove(best);
            wordsWithPair.remove(best);
        }
        return TrainedBpe.of(symbols, merges, preTokenizer);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Adds (sign 1) or removes (sign -1) the pairs of one word, weighted by its count. */
    private static void addPairs(int[] word, int count, int w, int sign, Map<Long, Long> pairCounts,
                                 Map<Long, Set<Integer>> wordsWithPair) {
        for (int i = 0; i + 1 < word.length; i++) {
            long p = pair(word[i], word[i + 1]);
            long c = pairCounts.getOrDefault(p, 0L) + (long) sign * count;
            if (c == 0) {
                pairCounts.remove(p);
            } else {
                pairCounts.put(p, c);
            }
            if (sign > 0) {
                wordsWithPair.computeIfAbsent(p, k -> new HashSet<>()).add(w);
            }
        }
    }

    /** The most frequent pair; among equals the one whose joined texts sort first. -1 when none is frequent enough. */
    private static long bestPair(Map<Long, Long> pairCounts, List<String> symbols) {
        long best = -1;
        long bestCount = MIN_COUNT - 1;
        String bestText = null;
        for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
            long c = e.getValue();
            if (c < bestCount) {
                continue;
            }
            long p = e.getKey();
            String text = symbols.get((int) (p >>> 32)) + " " + symbols.get((int) p);
            if (c > bestCount || bestText != null && text.compareTo(bestText) < 0) {
                best = p;
                bestCount = c;
                bestText = text;
            }
        }
        return best;
    }

    /** The word with every occurrence of (left, right), left to right, replaced by merged. */
    private static int[] replace(int[] word, int left, int right, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
