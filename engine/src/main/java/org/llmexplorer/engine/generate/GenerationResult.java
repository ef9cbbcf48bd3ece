package org.llmexplorer.engine.generate;

import java.util.List;

/**
 * What a generation produced.
 *
 * @param stopReason   "length" (max tokens reached), "eos", "context" (context full) or "cancelled"
 * @param promptComputed the prompt tokens run through the model in promptNanos: fewer than the
 *                       prompt's when its beginning was already in the KV cache, or when it was
 *                       cancelled while being read
 */
public record GenerationResult(int[] promptTokens, List<GeneratedToken> tokens, String text, String stopReason,
                               int promptComputed, long promptNanos, long generationNanos) {

    public int[] generatedIds() {
        return tokens.stream().mapToInt(GeneratedToken::id).toArray();
    }

    /** Prompt tokens processed per second (those computed, not those found in the cache). */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptComputed * 1e9 / promptNanos;
    }

    /**
     * Generated tokens per second, counting the forward passes of generated tokens (the first
     * token comes from the prompt's pass, so n tokens take n - 1 passes).
     */
    public double generationTokensPerSecond() {
        int passes = tokens.size() - 1;
        return passes <= 0 || generationNanos == 0 ? 0 : passes * 1e9 / generationNanos;
    }
}
