package org.llmexplorer.engine.generate;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;

/**
 * Perplexity of a text: exp of the mean negative log-likelihood of its tokens.
 *
 * <p>Without a stride, as llama.cpp's {@code llama-perplexity} computes it: the tokens are cut
 * into non-overlapping chunks of ctx tokens (the tail that does not fill a chunk is dropped),
 * each chunk starts from an empty context with its first token replaced by BOS, and only the
 * second half of each chunk is scored (tokens ctx/2 + 1 .. ctx - 1, so every scored token has
 * at least ctx/2 tokens of context).
 *
 * <p>With a stride S, as a sliding window: windows of ctx tokens start every S tokens, and each
 * window scores only the tokens no earlier window scored.
 */
public final class Perplexity {

    /** @param chunkPpl the running perplexity after each chunk (llama.cpp prints these) */
    public record Result(double ppl, int tokens, int chunks, double[] chunkPpl) {
    }

    private Perplexity() {
    }

    public static Result compute(Model model, Compute ops, MaskPlan masks, int[] tokens, int ctx, int stride) {
        return compute(model, ops, masks, tokens, ctx, stride, KvCache.Type.F32);
    }

    /** As {@link #compute(Model, Compute, MaskPlan, int[], int, int)} with the KV cache in the given type. */
    public static Result compute(Model model, Compute ops, MaskPlan masks, int[] tokens, int ctx, int stride,
                                 KvCache.Type kv) {
        if (ctx < 2) {
            throw new IllegalArgumentException("the context must hold at least 2 tokens");
        }
        InferenceState s = new InferenceState(model.config(), ctx, ctx, kv);
        return stride <= 0 ? chunked(model, ops, masks, s, tokens, ctx) : strided(model, ops, masks, s, tokens, ctx, stride);
    }

    private static Result chunked(Model model, Compute ops, MaskPlan masks, InferenceState s, int[] tokens, int ctx) {
        int chunks = tokens.length / ctx;
        if (chunks == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens, fewer than one chunk of " + ctx);
        }
        int bos = model.tokenizer().vocabulary().bos();
        int first = ctx / 2;
        double nll = 0;
        int count = 0;
        double[] running = new double[chunks];
        int[] chunk = new int[ctx];
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
            if (bos >= 0) {
                chunk[0] = bos;
            }
            double[] lp = logProbabilities(model, ops, masks, s, chunk, ctx);
            for (int j = first; j < ctx - 1; j++) {
                nll -= lp[j];
                count++;
            }
            running[c] = Math.exp(nll / count);
        }
        return new Result(Math.exp(nll / count), count, chunks, running);
    }

    private static Result strided(Model model, Compute ops, MaskPlan masks, InferenceState s, int[] tokens, int ctx,
                                  int stride) {
        double nll = 0;
        int count = 0;
        int scoredUpTo = 0; // tokens before this index have been scored (token 0 never is)
        int windows = 0;
        for (int start = 0; scoredUpTo < tokens.length - 1; start += stride) {
            int end = Math.min(tokens.length, start + ctx);
            int[] window = java.util.Arrays.copyOfRange(tokens, start, end);
            double[] lp = logProbabilities(model, ops, masks, s, window, window.length);
            for (int j = Math.max(0, scoredUpTo - start); j < window.length - 1; j++) {
                nll -= lp[j];
                count++;
            }
            scoredUpTo = end - 1;
            windows++;
            if (end == tokens.length) {
                break;
            }
        }
        return new Result(Math.exp(nll / count), count, windows, new double[] {Math.exp(nll / count)});
    }

    /** lp[j] = log p(tokens[j + 1] | tokens[0 .. j]) for j &lt; n - 1, from one pass from an empty context. */
    private static double[] logProbabilities(Model model, Compute ops, MaskPlan masks, InferenceState s, int[] tokens,
                                             int n) {
        int vocab = model.config().vocabSize();
        double[] lp = new double[n];
        boolean whole = masks.looksAhead(model.config().layers(), model.config().heads());
        int step = whole ? n : 32;
        for (int done = 0; done < n; done += step) {
            int count = Math.min(step, n - done);
            model.transformer().forward(ops, s, masks, tokens, done, count, done, true);
            float[] logits = s.logits();
            for (int t = 0; t < count && done + t + 1 < n; t++) {
                lp[done + t] = logits[t * vocab + tokens[done + t + 1]] - Probabilities.logSumExp(logits, t * vocab, vocab);
            }
        }
        return lp;
    }
}
