package org.llmexplorer.engine.generate;

import java.util.List;

/**
 * What a generation produced.
 *
 * @param stopReason "length" (max tokens reached), "eos", "context" (context full) or "cancelled"
 */
public record GenerationResult(int[] promptTokens, List<GeneratedToken> tokens, String text, String stopReason,
                               long promptNanos, long generationNanos) {

    public int[] generatedIds() {
        return tokens.stream().mapToInt(GeneratedToken::id).toArray();
    }

    /** Prompt tokens processed per second. */
    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens.length * 1e9 / promptNanos;
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
