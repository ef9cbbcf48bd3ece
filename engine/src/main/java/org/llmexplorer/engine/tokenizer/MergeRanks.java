package org.llmexplorer.engine.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * The rank of each BPE merge, looked up by the two texts it joins, as llama.cpp's {@code bpe_ranks}: a merge line is
 * cut at its first space after the first character; a line without such a space joins nothing; where two lines join
 * the same pair the earlier rank counts.
 */
final class MergeRanks {
    /** What {@link #rank} gives for a pair no merge joins. */
    static final int NONE = -1;

    private final Map<String, Integer> ranks; // keyed by the merge line, which is left + ' ' + right

    MergeRanks(Vocabulary vocab) {
        ranks = new HashMap<>(vocab.mergeCount() * 2);
        for (int rank = 0; rank < vocab.mergeCount(); rank++) {
            String line = vocab.merge(rank);
            if (line.indexOf(' ', 1) >= 0) {
                ranks.putIfAbsent(line, rank);
            }
        }
    }

    /** The rank of the merge joining {@code left} and {@code right}, or {@link #NONE}. */
    int rank(String left, String right) {
        if (left.isEmpty() || left.indexOf(' ', 1) >= 0) {
            return NONE; // no line is cut into this pair: the cut falls at the first space after the first character
        }
        Integer rank = ranks.get(left + ' ' + right);
        return rank == null ? NONE : rank;
    }
}
