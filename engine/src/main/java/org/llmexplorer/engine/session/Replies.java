package org.llmexplorer.engine.session;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.generate.BeamSearch;
import org.llmexplorer.engine.generate.GeneratedToken;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.generate.ModelBeams;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.sampling.SampledToken;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.tokenizer.Utf8Stream;

/**
 * Writes assistant replies into a conversation: sampled token by token (each step reported as
 * it comes, its logits kept for re-sampling), by beam search, or, for a comparison, outside the
 * conversation.
 */
final class Replies {
    /** Alternatives and stage reports recorded per step. */
    static final int TOP = 10;

    private final LoadedModel lm;
    private final Conversation conversation;
    private final LogitsCache logits;
    private final SessionListener listener;

    Replies(LoadedModel lm, Conversation conversation, LogitsCache logits, SessionListener listener) {
        this.lm = lm;
        this.conversation = conversation;
        this.logits = logits;
        this.listener = listener;
    }

    /**
     * Samples a reply after {@code context} (the transcript, then the tokens of {@code prefix},
     * steps already chosen) and appends it to the conversation as it grows.
     *
     * @param between runs after each token, before the next is computed (work that wants the
     *                session's thread while a reply streams)
     */
    Message sampled(Generator g, int[] context, List<Step> prefix, SamplingSettings s, int maxTokens,
                    BooleanSupplier cancelled, Runnable between) {
        SamplerChain chain = new SamplerChain(s).reports(TOP);
        List<Step> steps = new ArrayList<>(prefix);
        int messageIndex = conversation.size();
        StringBuilder text = new StringBuilder();
        for (Step st : steps) {
            text.append(st.text());
        }
        int budget = Math.max(0, Math.min(maxTokens - steps.size(), g.state().contextLength() - context.length));
        int[] position = {context.length};
        int vocab = lm.config().vocabSize();
        conversation.add(new Message("assistant", text.toString(), steps));
        g.onPrompt((done, total) -> { // short jobs (tokenize, resample, attention) need not wait for the whole prompt
            listener.reading(messageIndex, done, total);
            between.run();
        });
        GenerationResult r;
        try {
            r = g.generate(context, budget, chain, TOP, t -> {
                SampledToken sampled = chain.last();
                Step step = new Step(t.id(), t.text(), t.p(), t.rank(), t.top(), t.stages(), position[0]++,
                        sampled == null ? 0 : sampled.draw(), Probabilities.entropyBits(g.state().logits(), 0, vocab, t.logSumExp()));
                logits.put(messageIndex, steps.size(), g.state().logits(), vocab);
                steps.add(step);
                text.append(t.text());
                conversation.set(messageIndex, new Message("assistant", text.toString(), steps));
                listener.token(messageIndex, step);
                between.run();
            }, cancelled);
        } finally {
            g.onPrompt(null);
        }
        StringBuilder full = new StringBuilder();
        for (int i = 0; i < steps.size() - r.tokens().size(); i++) {
            full.append(steps.get(i).text());
        }
        full.append(r.text()); // includes what the UTF-8 decoder still held at the end
        Message done = new Message("assistant", full.toString(), steps);
        conversation.set(messageIndex, done);
        listener.contextUsage(context.length + r.tokens().size(), g.state().contextLength());
        listener.finished(messageIndex, r.stopReason(), r.generationTokensPerSecond());
        return done;
    }

    /** A reply by beam search: the best sequence, its steps scored by one pass over it. */
    Message beams(int[] context, int beams, MaskPlan plan, int capacity, int maxTokens, KvCache.Type kvType) {
        int messageIndex = conversation.size();
        int budget = Math.max(1, Math.min(maxTokens, capacity - context.length));
        var best = BeamSearch.run(new ModelBeams(lm.model(), lm.compute(), plan, capacity, kvType), context,
                new BeamSearch.Settings(beams, 1, 1f, true, budget)).get(0);
        int[] all = Arrays.copyOf(context, context.length + best.tokens().length);
        System.arraycopy(best.tokens(), 0, all, context.length, best.tokens().length);
        Generator.PromptScore score = new Generator(lm.model(), lm.compute(), all.length).masks(plan).score(all);
        List<Step> steps = new ArrayList<>();
        Utf8Stream utf8 = new Utf8Stream();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < best.tokens().length; i++) {
            int t = best.tokens()[i];
            String piece = utf8.push(lm.model().tokenizer().piece(t, false));
            text.append(piece);
            Step step = new Step(t, piece, score.p()[context.length - 1 + i], score.rank()[context.length - 1 + i],
                    new TokenProbability[0], List.of(), context.length + i, 0);
            steps.add(step);
            listener.token(messageIndex, step);
        }
        text.append(utf8.flush());
        Message done = new Message("assistant", text.toString(), steps);
        conversation.add(done);
        listener.contextUsage(all.length, capacity);
        listener.finished(messageIndex, best.endedWithEos() ? "eos" : "length", 0);
        return done;
    }

    /** A reply under other settings that stays out of the conversation. */
    Message aside(Generator g, int[] context, SamplingSettings s, int maxTokens, BooleanSupplier cancelled) {
        int budget = Math.max(1, Math.min(maxTokens, g.state().contextLength() - context.length));
        GenerationResult r = g.generate(context, budget, new SamplerChain(s), 0, null, cancelled);
        List<Step> steps = new ArrayList<>();
        for (GeneratedToken t : r.tokens()) {
            steps.add(new Step(t.id(), t.text(), t.p(), t.rank(), t.top(), List.of(), 0, 0));
        }
        return new Message("assistant", r.text(), steps);
    }
}
