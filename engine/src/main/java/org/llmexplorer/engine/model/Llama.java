package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.AttentionRecorder;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.attention.OnlineSoftmaxAttention;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.Parallel;

/**
 * The llama forward pass, as llama.cpp runs it, top to bottom:
 *
 * <pre>
 * x = embedding[token]
 * for each layer:
 *     x += Wo · Attention(RoPE(Wq · norm(x)), RoPE(Wk · norm(x)), Wv · norm(x), mask)
 *     x += Wdown · (silu(Wgate · norm(x)) * (Wup · norm(x)))
 * logits = Woutput · norm(x)
 * </pre>
 *
 * A call processes a run of tokens (a prompt, or one new token) at consecutive positions; keys
 * and values of every position go to the KV cache, so later calls only compute new tokens.
 */
public final class Llama {
    /** Below this many multiply-adds (bound), attention runs on the calling thread. */
    private static final long SERIAL_ATTENTION_WORK = 1 << 16;

    private final ModelConfig c;
    private final LlamaWeights w;
    private final Rope rope;

    public Llama(ModelConfig config, LlamaWeights weights) {
        this.c = config;
        this.w = weights;
        this.rope = new Rope(config.ropeDims(), config.ropeBase(), weights.ropeFreqs(), config.ropeStyle());
    }

    public ModelConfig config() {
        return c;
    }

    public LlamaWeights weights() {
        return w;
    }

    /**
     * Runs tokens[from .. from + count) at positions startPos .. startPos + count - 1.
     * Afterwards {@link InferenceState#logits()} holds the logits of the last token, or of every
     * token when {@code allLogits} is set.
     */
    public void forward(Compute ops, InferenceState s, MaskPlan masks,
                        int[] tokens, int from, int count, int startPos, boolean allLogits) {
        checkRun(s, tokens, from, count, startPos);
        int dim = c.dim();

        // Token embeddings.
        for (int t = 0; t < count; t++) {
            w.tokenEmbedding().dequantizeRow(tokens[from + t], s.x, t * dim);
        }

        for (int l = 0; l < c.layers(); l++) {
            LlamaWeights.Layer layer = w.layers()[l];

            // Attention block: normalise, project to queries, keys and values, rotate by position.
            ops.rmsNorm(s.xb, s.x, layer.attnNorm(), count, dim, c.rmsEps());
            ops.matmul(layer.wq(), s.xb, count, s.q);
            ops.matmul(layer.wk(), s.xb, count, s.k);
            ops.matmul(layer.wv(), s.xb, count, s.v);
            for (int t = 0; t < count; t++) {
                rope.angles(startPos + t, s.cos, s.sin);
                rope.apply(s.q, t * c.qDim(), c.heads(), c.headDim(), s.cos, s.sin);
                rope.apply(s.k, t * c.kvDim(), c.kvHeads(), c.headDim(), s.cos, s.sin);
            }
            storeInCache(s, l, count, startPos);
            attention(ops, s, masks, l, count, startPos);
            ops.matmul(layer.wo(), s.att, count, s.proj);
            ops.axpy(1f, s.proj, 0, s.x, 0, count * dim);

            // Feed-forward block: SwiGLU.
            ops.rmsNorm(s.xb, s.x, layer.ffnNorm(), count, dim, c.rmsEps());
            ops.matmul(layer.gate(), s.xb, count, s.hb);
            ops.matmul(layer.up(), s.xb, count, s.hb2);
            ops.swiglu(s.hb, s.hb2, count * c.ffnDim());
            ops.matmul(layer.down(), s.hb, count, s.proj);
            ops.axpy(1f, s.proj, 0, s.x, 0, count * dim);
        }

        // Final norm and the output head, for the last token or for all of them.
        int first = allLogits ? 0 : count - 1;
        int n = count - first;
        ops.rmsNorm(s.xb, s.x, w.outputNorm(), count, dim, c.rmsEps());
        if (first > 0) {
            System.arraycopy(s.xb, first * dim, s.xb, 0, dim);
        }
        ops.matmul(w.output(), s.xb, n, s.logitsFor(n));
    }

    /**
     * Scaled dot-product attention of each new query with the keys its mask allows, and nothing
     * else: the mask lists the allowed keys, so masked pairs cost nothing. Every (token, head)
     * pair is an independent task; a query head reads the key/value head its group shares
     * (grouped-query attention). Keys exist for every position up to the end of this run.
     */
    private void attention(Compute ops, InferenceState s, MaskPlan masks, int layer, int count, int startPos) {
        long t0 = System.nanoTime();
        int headDim = c.headDim();
        int heads = c.heads();
        int group = heads / c.kvHeads();
        int kvDim = c.kvDim();
        int length = startPos + count;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] keys = s.cache.keys[layer];
        float[] values = s.cache.values[layer];
        AttentionRecorder recorder = s.recorder;

        Parallel.Task perHead = (task, worker) -> {
            int t = task / heads;
            int head = task % heads;
            int query = startPos + t;
            int[] allowed = s.keyScratch[worker];
            float[] scores = s.scoreScratch[worker];
            int qOff = t * c.qDim() + head * headDim;
            int kvOff = (head / group) * headDim;

            AttentionMask mask = masks.mask(layer, head);
            int n = mask.keys(query, length, allowed);
            s.pairsByWorker[worker] += n;

            boolean watched = recorder != null && recorder.records(layer, head);
            if (s.onlineSoftmax && !watched) {
                OnlineSoftmaxAttention.attend(ops, s.q, qOff, keys, values, kvOff, kvDim, allowed, n, headDim, scale,
                        s.att, qOff, scores);
                return;
            }
            for (int i = 0; i < n; i++) {
                scores[i] = ops.dot(s.q, qOff, keys, allowed[i] * kvDim + kvOff, headDim) * scale;
            }
            ops.softmax(scores, 0, n);
            if (watched) {
                recorder.record(layer, head, query, allowed, scores, n);
            }
            java.util.Arrays.fill(s.att, qOff, qOff + headDim, 0f);
            for (int i = 0; i < n; i++) {
                ops.axpy(scores[i], values, allowed[i] * kvDim + kvOff, s.att, qOff, headDim);
            }
        };
        if ((long) count * heads * length * headDim < SERIAL_ATTENTION_WORK) {
            for (int task = 0; task < count * heads; task++) { // waking the other threads would cost more
                perHead.run(task, 0);
            }
        } else {
            ops.parallelFor(count * heads, perHead);
        }
        for (int w = 0; w < s.pairsByWorker.length; w++) {
            s.attendedPairs += s.pairsByWorker[w];
            s.pairsByWorker[w] = 0;
        }
        s.attentionNanos += System.nanoTime() - t0;
    }

    private void storeInCache(InferenceState s, int layer, int count, int startPos) {
        int kvDim = c.kvDim();
        System.arraycopy(s.k, 0, s.cache.keys[layer], startPos * kvDim, count * kvDim);
        System.arraycopy(s.v, 0, s.cache.values[layer], startPos * kvDim, count * kvDim);
    }

    private void checkRun(InferenceState s, int[] tokens, int from, int count, int startPos) {
        if (count < 1) {
            throw new IllegalArgumentException("a forward pass needs at least one token");
        }
        s.ensureBatch(count);
        if (startPos < 0 || startPos + count > s.contextLength()) {
            throw new ContextFullException(startPos + count, s.contextLength());
        }
        for (int t = from; t < from + count; t++) {
            if (tokens[t] < 0 || tokens[t] >= c.vocabSize()) {
                throw new IllegalArgumentException("token id " + tokens[t] + " at index " + t
                        + " is outside the vocabulary [0, " + c.vocabSize() + ")");
            }
        }
    }
}
