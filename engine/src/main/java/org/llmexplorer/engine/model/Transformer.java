package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.AttentionRecorder;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The forward pass of a decoder-only transformer, as llama.cpp runs each supported family,
 * top to bottom (steps in brackets belong to some families only; see {@link Family}):
 *
 * <pre>
 * x = embedding[token] [* sqrt(dim)] [+ position embedding]
 * for each layer:
 *     h = norm(x)                                  RMSNorm, or LayerNorm with bias
 *     q, k, v = Wq h [+ bq], Wk h [+ bk], Wv h [+ bv]
 *     [q, k = rmsnorm of each head]                qwen3, gemma3
 *     q, k = RoPE(q), RoPE(k)                      unless positions are learned
 *     o = Wo Attention(q, k, v, mask) [+ bo]       scores scaled, [soft-capped], masked
 *     x += [norm](o)                               gemma: a norm after the block too
 *     h = norm(x)
 *     f = Wdown (act(Wgate h) * (Wup h)) [+ b]     SwiGLU or GeGLU; gpt2: act(Wup h + b)
 *     x += [norm](f)
 * logits = Woutput norm(x) [soft-capped]
 * </pre>
 *
 * A call processes a run of tokens (a prompt, or one new token) at consecutive positions; keys
 * and values of every position go to the KV cache, so later calls only compute new tokens.
 */
public final class Transformer {
    /** Below this many multiply-adds (bound), attention runs on the calling thread. */
    private static final long SERIAL_ATTENTION_WORK = 1 << 16;

    private final ModelConfig c;
    private final Family f;
    private final Weights w;
    private final Rope rope;
    private final Rope localRope;

    public Transformer(ModelConfig config, Weights weights) {
        this.c = config;
        this.f = config.family();
        this.w = weights;
        Rope.Style style = f.rope() == null ? Rope.Style.NORM : f.rope();
        this.rope = new Rope(config.ropeDims(), config.ropeBase(), weights.ropeFreqs(), style, f.ropeScale());
        this.localRope = f.localRopeBase() > 0
                ? new Rope(config.ropeDims(), f.localRopeBase(), null, style, 1f) : rope;
    }

    public ModelConfig config() {
        return c;
    }

    public Weights weights() {
        return w;
    }

    /** The rotary embedding of a layer (local layers of gemma3 have their own base); null without RoPE. */
    public Rope rope(int layer) {
        return f.rope() == null ? null : f.isLocal(layer) ? localRope : rope;
    }

    /**
     * Runs tokens[from .. from + count) at positions startPos .. startPos + count - 1.
     * Afterwards {@link InferenceState#logits()} holds the logits of the last token, or of every
     * token when {@code allLogits} is set. A backend that runs whole passes on its own device
     * ({@link DeviceForward}) gets the pass when it runs this model; otherwise it runs here.
     */
    public void forward(Compute ops, InferenceState s, MaskPlan masks,
                        int[] tokens, int from, int count, int startPos, boolean allLogits) {
        checkRun(s, tokens, from, count, startPos);
        if (ops instanceof DeviceForward device && device.runs(c, w)) {
            device.forward(this, s, masks, tokens, from, count, startPos, allLogits);
            return;
        }
        s.leaveDevice(); // a device that ran earlier passes hands the KV cache back
        int dim = c.dim();

        // Token embeddings, scaled (gemma) and given their position (gpt2).
        for (int t = 0; t < count; t++) {
            w.tokenEmbedding().dequantizeRow(tokens[from + t], s.x, t * dim);
            if (f.embeddingScale() != 1f) {
                for (int i = t * dim; i < (t + 1) * dim; i++) {
                    s.x[i] *= f.embeddingScale();
                }
            }
            if (w.positionEmbedding() != null) {
                w.positionEmbedding().dequantizeRow(startPos + t, s.xb, 0);
                ops.axpy(1f, s.xb, 0, s.x, t * dim, dim);
            }
        }

        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer layer = w.layers()[l];

            // Attention block: normalise, project to queries, keys and values, rotate by position.
            norm(ops, s, layer.attnNorm(), layer.attnNormBias(), count);
            project(ops, layer.wq(), layer.bq(), s.xb, count, s.q);
            project(ops, layer.wk(), layer.bk(), s.xb, count, s.k);
            project(ops, layer.wv(), layer.bv(), s.xb, count, s.v);
            if (layer.qNorm() != null) {
                ops.rmsNorm(s.q, s.q, layer.qNorm(), count * c.heads(), c.headDim(), c.normEps());
                ops.rmsNorm(s.k, s.k, layer.kNorm(), count * c.kvHeads(), c.headDim(), c.normEps());
            }
            if (f.rope() != null) {
                Rope r = rope(l);
                for (int t = 0; t < count; t++) {
                    r.angles(startPos + t, s.cos, s.sin);
                    r.apply(s.q, t * c.qDim(), c.heads(), c.headDim(), s.cos, s.sin);
                    r.apply(s.k, t * c.kvDim(), c.kvHeads(), c.headDim(), s.cos, s.sin);
                }
            }
            if (f.queryScale() != 1f) {
                for (int i = 0; i < count * c.qDim(); i++) {
                    s.q[i] *= f.queryScale();
                }
            }
            storeInCache(s, l, count, startPos);
            attention(ops, s, masks, l, count, startPos);
            project(ops, layer.wo(), layer.bo(), s.att, count, s.proj);
            residual(ops, s, layer.postAttnNorm(), count);

            // Feed-forward block: gated (SwiGLU, GeGLU) or a plain two-layer GELU network.
            norm(ops, s, layer.ffnNorm(), layer.ffnNormBias(), count);
            int hidden = count * c.ffnDim();
            project(ops, layer.up(), layer.upBias(), s.xb, count, s.hb2);
            if (layer.gate() == null) {
                ops.gelu(s.hb2, hidden);
                project(ops, layer.down(), layer.downBias(), s.hb2, count, s.proj);
            } else {
                ops.matmul(layer.gate(), s.xb, count, s.hb);
                if (f.activation() == Family.Activation.GELU) {
                    ops.geglu(s.hb, s.hb2, hidden);
                } else {
                    ops.swiglu(s.hb, s.hb2, hidden);
                }
                project(ops, layer.down(), layer.downBias(), s.hb, count, s.proj);
            }
            residual(ops, s, layer.postFfnNorm(), count);
        }

        // Final norm and the output head, for the last token or for all of them.
        int first = allLogits ? 0 : count - 1;
        int n = count - first;
        norm(ops, s, w.outputNorm(), w.outputNormBias(), count);
        if (first > 0) {
            System.arraycopy(s.xb, first * dim, s.xb, 0, dim);
        }
        float[] logits = s.logitsFor(n);
        ops.matmul(w.output(), s.xb, n, logits);
        if (f.finalSoftcap() > 0) {
            ops.softcap(logits, 0, n * c.vocabSize(), f.finalSoftcap());
        }
    }

    /** s.xb = the family's norm of the residual stream s.x, with these weights (and bias). */
    private void norm(Compute ops, InferenceState s, float[] weight, float[] bias, int count) {
        if (f.norm() == Family.Norm.LAYER) {
            ops.layerNorm(s.xb, s.x, weight, bias, count, c.dim(), c.normEps());
        } else {
            ops.rmsNorm(s.xb, s.x, weight, count, c.dim(), c.normEps());
        }
    }

    /** x += the block output in s.proj, normalised first where the family norms block outputs. */
    private void residual(Compute ops, InferenceState s, float[] postNorm, int count) {
        if (postNorm != null) {
            ops.rmsNorm(s.proj, s.proj, postNorm, count, c.dim(), c.normEps());
        }
        ops.axpy(1f, s.proj, 0, s.x, 0, count * c.dim());
    }

    private static void project(Compute ops, WeightMatrix m, float[] bias, float[] in, int count, float[] out) {
        ops.matmul(m, in, count, out);
        if (bias != null) {
            ops.addBias(out, bias, count, m.rows());
        }
    }

    /**
     * Scaled dot-product attention of each new query with the keys its mask allows, and nothing
     * else: the mask lists the allowed keys, so masked pairs cost nothing. A task is one query
     * token and one key/value head with the query heads that read it (grouped-query attention):
     * heads of the group under the same mask are computed together, sharing every key and value
     * loaded ({@link Compute#attend}); a head under another mask goes on its own. Keys exist for
     * every position up to the end of this run.
     */
    private void attention(Compute ops, InferenceState s, MaskPlan masks, int layer, int count, int startPos) {
        long t0 = System.nanoTime();
        int headDim = c.headDim();
        int kvHeads = c.kvHeads();
        int group = c.heads() / kvHeads;
        int kvDim = c.kvDim();
        int headSpan = s.cache.headSpan;
        int length = startPos + count;
        float scale = f.scoreScale();
        float softcap = f.attnSoftcap();
        float[] keys = s.cache.keys[layer];
        float[] values = s.cache.values[layer];
        AttentionRecorder recorder = s.recorder;

        Parallel.Task perGroup = (task, worker) -> {
            int t = task / kvHeads;
            int kvHead = task % kvHeads;
            int query = startPos + t;
            int[] allowed = s.keyScratch[worker];
            float[] scores = s.scoreScratch[worker];
            int first = kvHead * group;
            for (int head = first; head < first + group; ) {
                AttentionMask mask = masks.mask(layer, head);
                int heads = 1;
                while (head + heads < first + group && masks.mask(layer, head + heads).equals(mask)) {
                    heads++;
                }
                int n = mask.keys(query, length, allowed);
                s.pairsByWorker[worker] += (long) n * heads;
                boolean watched = false;
                for (int h = head; h < head + heads && recorder != null; h++) {
                    watched |= recorder.records(layer, h);
                }
                int qOff = t * c.qDim() + head * headDim;
                ops.attend(s.q, qOff, heads, headDim, keys, kvHead * headSpan, values,
                        kvHead * headDim, kvDim, allowed, n, scale, softcap, s.att, qOff, scores, watched);
                for (int h = head; watched && h < head + heads; h++) {
                    if (recorder.records(layer, h)) {
                        recorder.record(layer, h, query, allowed, java.util.Arrays.copyOfRange(scores, (h - head) * n,
                                (h - head + 1) * n), n);
                    }
                }
                head += heads;
            }
        };
        if ((long) count * c.heads() * length * headDim < SERIAL_ATTENTION_WORK) {
            for (int task = 0; task < count * kvHeads; task++) { // waking the other threads would cost more
                perGroup.run(task, 0);
            }
        } else {
            ops.parallelFor(count * kvHeads, perGroup);
        }
        for (int w = 0; w < s.pairsByWorker.length; w++) {
            s.attendedPairs += s.pairsByWorker[w];
            s.pairsByWorker[w] = 0;
        }
        s.attentionNanos += System.nanoTime() - t0;
    }

    private void storeInCache(InferenceState s, int layer, int count, int startPos) {
        s.cache.store(layer, s.k, s.v, count, startPos);
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
