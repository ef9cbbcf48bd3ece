package org.llmexplorer.engine.sampling;

/**
 * Repetition, frequency and presence penalties over the last {@code lastN} tokens (prompt and
 * generated), applied the way llama.cpp applies them: for a token seen c &gt; 0 times,
 * logit = logit &gt; 0 ? logit / repeat : logit * repeat (Keskar et al., CTRL), then
 * logit -= c * frequency + presence (the OpenAI penalties).
 */
public record Penalties(float repeat, float frequency, float presence, int lastN) implements SamplerStage {

    public Penalties {
        if (!(repeat > 0)) {
            throw new IllegalArgumentException("repeat penalty must be positive, got " + repeat);
        }
        if (lastN < -1) {
            throw new IllegalArgumentException("repeat-last-n must be -1 (all), 0 (off) or more, got " + lastN);
        }
    }

    public boolean enabled() {
        return lastN != 0 && (repeat != 1f || frequency != 0f || presence != 0f);
    }

    @Override
    public String name() {
        return "penalties";
    }

    @Override
    public void apply(Candidates c, SamplingContext ctx) {
        if (!enabled() || ctx.historySize == 0) {
            return;
        }
        int from = lastN < 0 ? 0 : Math.max(0, ctx.historySize - lastN);
        int[] counts = ctx.counts;
        for (int i = from; i < ctx.historySize; i++) {
            counts[ctx.history[i]]++;
        }
        for (int i = 0; i < c.size; i++) {
            int n = counts[c.ids[i]];
            if (n > 0) {
                float l = c.logits[i];
                l = l > 0 ? l / repeat : l * repeat;
                c.logits[i] = l - n * frequency - presence;
            }
        }
        for (int i = from; i < ctx.historySize; i++) {
            counts[ctx.history[i]] = 0;
        }
        c.sorted = 0;
        c.modified();
    }
}
