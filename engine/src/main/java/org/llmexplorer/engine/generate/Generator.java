package org.llmexplorer.engine.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.Llama;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.tokenizer.Tokenizer;
import org.llmexplorer.engine.tokenizer.Utf8Stream;

/**
 * Runs a prompt through the model and generates token by token, streaming each token (with its
 * probability and top alternatives) to a listener as it is produced.
 */
public final class Generator {
    public static final int DEFAULT_BATCH = 32;

    private final Model model;
    private final Compute ops;
    private final InferenceState state;
    private MaskPlan masks;

    public Generator(Model model, Compute ops, int contextLength) {
        this(model, ops, contextLength, DEFAULT_BATCH);
    }

    public Generator(Model model, Compute ops, int contextLength, int batch) {
        this.model = model;
        this.ops = ops;
        this.state = new InferenceState(model.config(), contextLength, batch, ops.threads());
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

    public InferenceState state() {
        return state;
    }

    /**
     * Feeds tokens[0 .. n) at positions startPos.. through the model in batches; the logits of
     * the last one are left in the state.
     */
    public void ingest(int[] tokens, int n, int startPos) {
        Llama llama = model.llama();
        // A mask that looks ahead needs every position of the prompt there when any is processed.
        boolean whole = masks.looksAhead(model.config().layers(), model.config().heads());
        int step = whole ? n : state.batch();
        for (int done = 0; done < n; ) {
            int count = Math.min(step, n - done);
            llama.forward(ops, state, masks, tokens, done, count, startPos + done, false);
            done += count;
        }
    }

    /**
     * Generates up to maxTokens tokens after the prompt.
     *
     * @param topN      how many alternatives to record per step (0 for none)
     * @param listener  receives each token as soon as it is chosen (may be null)
     * @param cancelled polled between tokens; true stops generation
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
        ingest(prompt, prompt.length, 0);
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
            if (model.tokenizer().vocabulary().isEndOfGeneration(token)) {
                stop = "eos";
                break;
            }
            String piece = utf8.push(tokenizer.piece(token, false));
            GeneratedToken g = new GeneratedToken(token, piece, Probabilities.probability(logits, 0, vocab, token),
                    topN > 0 ? Probabilities.top(logits, 0, vocab, topN) : new TokenProbability[0]);
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
            model.llama().forward(ops, state, masks, next, 0, 1, pos++, false);
        }
        text.append(utf8.flush());
        long t2 = System.nanoTime();
        return new GenerationResult(prompt, out, text.toString(), stop, t1 - t0, t2 - t1);
    }
}
