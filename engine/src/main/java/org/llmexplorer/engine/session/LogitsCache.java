package org.llmexplorer.engine.session;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The logits of generated steps, kept so that a step can be re-sampled with other settings (or
 * branched) without running the model; the least recently used go first beyond a byte budget.
 */
final class LogitsCache {
    private final long budgetBytes;
    private final Map<Long, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);

    LogitsCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    private static long key(int message, int step) {
        return ((long) message << 32) | (step & 0xffffffffL);
    }

    synchronized void put(int message, int step, float[] logits, int vocab) {
        entries.put(key(message, step), Arrays.copyOf(logits, vocab));
        long limit = Math.max(1, budgetBytes / (4L * vocab));
        var it = entries.keySet().iterator();
        while (entries.size() > limit && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** The kept logits, or null. */
    synchronized float[] get(int message, int step) {
        return entries.get(key(message, step));
    }

    synchronized void clear() {
        entries.clear();
    }
}
