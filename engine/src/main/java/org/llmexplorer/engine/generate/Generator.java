package org.llmexplorer.engine.generate;

import org.llmexplorer.engine.sampling.TokenProbability;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.StageReport;
import org.llmexplorer.engine.tokenizer.Tokenizer;
import org.llmexplorer.engine.tokenizer.Utf8Stream;

/**
 * Runs a prompt through the model and generates token by token, streaming each token (with its
 * probability and top alternatives) to a listener as it is produced.
 */
public final class Generator {
    /**
     * Prompt tokens per forward pass on the CPU (see {@link Compute#promptBatch}). A larger pass
     * reuses each weight, widened to floats once, for more tokens (prompt 1024 of a 1B Q4_0 model
     * on two threads: about 75 tokens/s in passes of 32, 90 in passes of 128); a reply can be
     * stopped between passes.
     */
    public static final int DEFAULT_BATCH = 128;

    private final Model model;
    private final Compute ops;
    private final InferenceState state;
    private MaskPlan masks;
    private PromptProgress promptProgress;

    /** How far {@link #generate} has read its prompt: done of total new tokens, after each pass. */
    @FunctionalInterface
    public interface PromptProgress {
        void read(int done, int total);
    }

    public Generator(Model model, Compute ops, int contextLength) {
        this(model, ops, contextLength, ops.promptBatch());
    }

    public Generator(Model model, Compute ops, int contextLength, int batch) {
        this(model, ops, contextLength, batch, KvCache.Type.F32);
    }

    /** With the KV cache in the given type (F16: half the memory, as llama.cpp keeps it by default). */
    public Generator(Model model, Compute ops, int contextLength, int batch, KvCache.Type kvType) {
        this.model = model;
        this.ops = ops;
        this.state = new InferenceState(model.config(), contextLength, batch, kvType);
        this.masks = model.config().trainedMask();
    }

    /** The masks the model runs under from now on. */
    public Generator masks(MaskPlan plan) {
        this.masks = plan;
        return this;
    }

    public MaskPlan masks() {
        return masks;
    }

    /** Who hears how far the next prompts are read (null: nobody). */
    public Generator onPrompt(PromptProgress progress) {
        this.promptProgress = progress;
        return this;
    }

    public InferenceState state() {
        return state;
    }

    /**
     * Feeds tokens[0 .. n) at positions startPos .. startPos + n - 1 through the model, in
     * batches; the logits of the last are left in the state.
     */
    public void ingest(int[] tokens, int n, int startPos) {
        int[] placed = new int[startPos + n];
        System.arraycopy(tokens, 0, placed, startPos, n);
        if (startPos > 0) {
            System.arraycopy(cached, 0, placed, 0, Math.min(startPos, cachedLength));
        }
        feed(placed, startPos, startPos + n, null, null);
    }

    /**
     * Generates up to maxTokens tokens after the prompt. Positions whose tokens are already in
     * the KV cache from an earlier call (the longest common prefix) are not computed again, so a
     * conversation that grows, or a branch from an earlier token, costs only its new tokens.
     *
     * @param topN      how many alternatives to record per step (0 for none)
     * @param listener  receives each token as soon as it is chosen (may be null)
     * @param cancelled polled between the prompt's passes and between tokens; true stops generation
     */
    public GenerationResult generate(int[] prompt, int maxTokens, Sampler sampler, int topN,
                                     Consumer<GeneratedToken> listener, BooleanSupplier cancelled) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens (and the vocabulary adds no BOS)");
        }
        if (prompt.length > state.contextLength()) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the context holds "
                    + state.contextLength());
        }
        Tokenizer tokenizer = model.tokenizer();
        int vocab = model.config().vocabSize();
        long t0 = System.nanoTime();
        sampler.reset(prompt);
        int reuse = reusablePrefix(prompt);
        cachedLength = reuse;
        int fed = feed(prompt, reuse, prompt.length, cancelled, promptProgress);
        if (fed < prompt.length) {
            long t1 = System.nanoTime();
            return new GenerationResult(prompt, List.of(), "", "cancelled", fed - reuse, t1 - t0, 0);
        }
        long t1 = System.nanoTime();

        List<GeneratedToken> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        Utf8Stream utf8 = new Utf8Stream();
        int[] next = new int[1];
        int pos = prompt.length;
        String stop = "length";
        while (out.size() < maxTokens) {
            if (cancelled != null && cancelled.getAsBoolean()) {
                stop = "cancelled";
                break;
            }
            float[] logits = state.logits();
            int token = sampler.sample(logits, 0, vocab);
            List<StageReport> stages = sampler instanceof SamplerChain chain && chain.last() != null
                    ? chain.last().stages() : List.of();
            if (model.tokenizer().vocabulary().isEndOfGeneration(token)) {
                stop = "eos";
                break;
            }
            String piece = utf8.push(tokenizer.piece(token, false));
            sampler.accept(token);
            double lse = Probabilities.logSumExp(logits, 0, vocab);
            GeneratedToken g = new GeneratedToken(token, piece, Probabilities.probability(logits, 0, vocab, token, lse),
                    Probabilities.rank(logits, 0, vocab, token),
                    topN > 0 ? Probabilities.top(logits, 0, vocab, topN, lse) : new TokenProbability[0], stages, lse);
            out.add(g);
            text.append(piece);
            if (listener != null) {
                listener.accept(g);
            }
            if (out.size() == maxTokens) {
                break;
            }
            if (pos >= state.contextLength()) {
                stop = "context";
                break;
            }
            next[0] = token;
            model.transformer().forward(ops, state, masks, next, 0, 1, pos, false);
            remember(token, pos++);
        }
        text.append(utf8.flush());
        long t2 = System.nanoTime();
        return new GenerationResult(prompt, out, text.toString(), stop, prompt.length - reuse, t1 - t0, t2 - t1);
    }

    /**
     * Regenerates from generated position k of an earlier result, with {@code alternative} in
     * place of the token chosen there. The prompt and the k tokens before are reused from the
     * KV cache. The new result's prompt is the earlier prompt, its tokens up to k and the
     * alternative.
     */
    public GenerationResult branch(GenerationResult previous, int k, int alternative, int maxTokens, Sampler sampler,
                                   int topN, Consumer<GeneratedToken> listener, BooleanSupplier cancelled) {
        int[] done = previous.generatedIds();
        if (k < 0 || k > done.length) {
            throw new IllegalArgumentException("branch position " + k + " is outside 0.." + done.length);
        }
        if (alternative < 0 || alternative >= model.config().vocabSize()) {
            throw new IllegalArgumentException("token " + alternative + " is not in the vocabulary");
        }
        int[] context = new int[previous.promptTokens().length + k + 1];
        System.arraycopy(previous.promptTokens(), 0, context, 0, previous.promptTokens().length);
        System.arraycopy(done, 0, context, previous.promptTokens().length, k);
        context[context.length - 1] = alternative;
        return generate(context, maxTokens, sampler, topN, listener, cancelled);
    }

    /**
     * The probability the model gave each token of a text given the tokens before it
     * (entry i is for token i + 1), and its rank: what colours a pasted text by surprise.
     */
    public PromptScore score(int[] tokens) {
        int n = tokens.length;
        int vocab = model.config().vocabSize();
        double[] p = new double[Math.max(0, n - 1)];
        int[] rank = new int[p.length];
        logits(tokens, (i, logits, off) -> {
            if (i + 1 < n) {
                p[i] = Probabilities.probability(logits, off, vocab, tokens[i + 1]);
                rank[i] = Probabilities.rank(logits, off, vocab, tokens[i + 1]);
            }
        });
        return new PromptScore(tokens, p, rank);
    }

    /** Receives the logits after token {@code position}: {@code logits[offset .. offset + vocab)}. */
    public interface LogitsConsumer {
        void accept(int position, float[] logits, int offset);
    }

    /**
     * Runs a text through the model from position 0, in batches of the state's batch size, and
     * hands over the logits after every token (what the model predicts next at each position).
     */
    public void logits(int[] tokens, LogitsConsumer consumer) {
        int n = tokens.length;
        int vocab = model.config().vocabSize();
        cachedLength = 0;
        boolean whole = masks.looksAhead(model.config().layers(), model.config().heads());
        int step = whole ? n : state.batch();
        for (int done = 0; done < n; done += step) {
            int count = Math.min(step, n - done);
            model.transformer().forward(ops, state, masks, tokens, done, count, done, true);
            float[] logits = state.logits();
            for (int t = 0; t < count; t++) {
                consumer.accept(done + t, logits, t * vocab);
            }
        }
        for (int i = 0; i < n; i++) {
            remember(tokens[i], i);
        }
    }

    /** Per-token probabilities of a text (entry i is for token i + 1). */
    public record PromptScore(int[] tokens, double[] p, int[] rank) {
    }

    /**
     * Forgets which tokens the KV cache holds, so that the next prompt is computed whole: a
     * server does this between clients so that a reply does not depend on who came before.
     */
    public void forget() {
        cachedLength = 0;
    }

    // --- which positions the KV cache holds -----------------------------------------------

    private int[] cached = new int[0];
    private int cachedLength;

    private void remember(int token, int pos) {
        if (cached.length <= pos) {
            cached = java.util.Arrays.copyOf(cached, Math.max(pos + 1, cached.length * 2));
        }
        cached[pos] = token;
        cachedLength = pos + 1;
    }

    /** How many leading prompt tokens are already in the KV cache (at least one token is always run). */
    private int reusablePrefix(int[] prompt) {
        if (masks.looksAhead(model.config().layers(), model.config().heads())) {
            return 0; // the prompt's own positions see each other: it must be processed whole
        }
        int n = 0;
        while (n < cachedLength && n < prompt.length - 1 && cached[n] == prompt[n]) {
            n++;
        }
        return n;
    }

    /**
     * Feeds tokens[from .. to) at their positions, in batches; the logits of the last are left in
     * the state. Stops between batches once cancelled says so; returns the end of what was fed
     * (the KV cache holds, and remembers, exactly that much). Progress hears (0, n) first, then
     * each batch's end.
     */
    private int feed(int[] tokens, int from, int to, BooleanSupplier cancelled, PromptProgress progress) {
        Transformer transformer = model.transformer();
        boolean whole = masks.looksAhead(model.config().layers(), model.config().heads());
        int step = whole ? to - from : state.batch();
        int done = from;
        if (progress != null) {
            progress.read(0, to - from);
        }
        while (done < to && (cancelled == null || !cancelled.getAsBoolean())) {
            int count = Math.min(step, to - done);
            transformer.forward(ops, state, masks, tokens, done, count, done, false);
            for (int i = done; i < done + count; i++) {
                remember(tokens[i], i);
            }
            done += count;
            if (progress != null) {
                progress.read(done - from, to - from);
            }
        }
        return done;
    }
}
