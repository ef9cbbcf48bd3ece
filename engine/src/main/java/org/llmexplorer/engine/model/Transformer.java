package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
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
 *
 * <p>This is the only place that says what a layer does, for every backend: each step is an
 * operation of a {@link Workspace}, whose buffers belong to the backend (host arrays, or device
 * memory), and a {@link Probe} may read or replace the named values between the steps.
 */
public final class Transformer {
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
     * Runs tokens[from .. from + count) at positions startPos .. startPos + count - 1, on the
     * backend {@code ops} (the conversation's {@link Workspace} on it: host arrays, or a device's
     * memory). Afterwards {@link InferenceState#logits()} holds the logits of the last token, or
     * of every token when {@code allLogits} is set. The state's probe sees the named values on
     * the way ({@link Probe.Site}), its recorder the attention weights of the heads it watches.
     */
    public void forward(Compute ops, InferenceState s, MaskPlan masks,
                        int[] tokens, int from, int count, int startPos, boolean allLogits) {
        checkRun(s, tokens, from, count, startPos);
        Workspace ws = s.workspace(ops, this, startPos);
        try {
            forward(ws, s, masks, tokens, from, count, startPos, allLogits);
        } catch (Workspace.OutOfMemory e) {
            // the device's memory is full: this conversation goes on on the CPU, from the cache as it was
            System.err.println("llmx: " + e.getMessage() + "; this conversation continues on the CPU");
            s.keepOnHost();
            forward(s.workspace(ops, this, startPos), s, masks, tokens, from, count, startPos, allLogits);
        }
    }

    /** The recipe, the same for every backend: each line an operation of the workspace. */
    private void forward(Workspace ws, InferenceState s, MaskPlan masks,
                         int[] tokens, int from, int count, int startPos, boolean allLogits) {
        Workspace.Buffers b = ws.buffers(count);
        Probe probe = s.observers();
        int dim = c.dim();
        embed(ws, b.x(), tokens, from, count, startPos);

        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer layer = w.layers()[l];

            // Attention block: normalise, project to queries, keys and values, rotate by position.
            norm(ws, b, layer.attnNorm(), layer.attnNormBias(), count);
            project(ws, layer.wq(), layer.bq(), b.xb(), count, b.q());
            project(ws, layer.wk(), layer.bk(), b.xb(), count, b.k());
            project(ws, layer.wv(), layer.bv(), b.xb(), count, b.v());
            if (layer.qNorm() != null) {
                ws.rmsNorm(b.q(), b.q(), layer.qNorm(), count * c.heads(), c.headDim(), c.normEps());
                ws.rmsNorm(b.k(), b.k(), layer.kNorm(), count * c.kvHeads(), c.headDim(), c.normEps());
            }
            if (f.rope() != null) {
                ws.rope(b.q(), rope(l), count, startPos, c.heads(), c.headDim());
                ws.rope(b.k(), rope(l), count, startPos, c.kvHeads(), c.headDim());
            }
            if (f.queryScale() != 1f) {
                ws.scale(b.q(), f.queryScale(), count * c.qDim());
            }
            ws.store(l, b.k(), b.v(), count, startPos);
            ws.attend(new Workspace.Attention(l, count, startPos, masks, f.scoreScale(), f.attnSoftcap(), probe),
                    b.q(), b.att());
            observe(ws, probe, Probe.Site.HEADS, l, b.att(), count, c.qDim(), startPos);
            project(ws, layer.wo(), layer.bo(), b.att(), count, b.proj());
            residual(ws, b, probe, Probe.Site.ATTENTION_OUT, l, layer.postAttnNorm(), count, startPos);

            // Feed-forward block: gated (SwiGLU, GeGLU) or a plain two-layer GELU network.
            norm(ws, b, layer.ffnNorm(), layer.ffnNormBias(), count);
            int hidden = count * c.ffnDim();
            project(ws, layer.up(), layer.upBias(), b.xb(), count, b.hb2());
            if (layer.gate() == null) {
                ws.gelu(b.hb2(), hidden);
                project(ws, layer.down(), layer.downBias(), b.hb2(), count, b.proj());
            } else {
                ws.matmul(layer.gate(), b.xb(), count, b.hb());
                if (f.activation() == Family.Activation.GELU) {
                    ws.geglu(b.hb(), b.hb2(), hidden);
                } else {
                    ws.swiglu(b.hb(), b.hb2(), hidden);
                }
                project(ws, layer.down(), layer.downBias(), b.hb(), count, b.proj());
            }
            residual(ws, b, probe, Probe.Site.FFN_OUT, l, layer.postFfnNorm(), count, startPos);
            observe(ws, probe, Probe.Site.RESIDUAL, l, b.x(), count, dim, startPos);
        }

        // Final norm and the output head, for the last token or for all of them.
        int first = allLogits ? 0 : count - 1;
        int n = count - first;
        norm(ws, b, w.outputNorm(), w.outputNormBias(), count);
        observe(ws, probe, Probe.Site.FINAL_NORM, -1, b.xb(), count, dim, startPos);
        if (first > 0) {
            ws.copy(b.xb(), first * dim, b.xb(), 0, dim);
        }
        Buffer logits = ws.logits(n);
        ws.matmul(w.output(), b.xb(), n, logits);
        if (f.finalSoftcap() > 0) {
            ws.softcap(logits, n * c.vocabSize(), f.finalSoftcap());
        }
        ws.read(logits, 0, s.logitsFor(n), 0, n * c.vocabSize()); // waits for the whole pass
        ws.finish(s);
    }

    /**
     * The output head applied to residual-stream rows held on the host: the final norm, the
     * output matrix and any final soft-cap, with the same host operations the recipe's last
     * lines run on the CPU (so the last layer's rows give the model's own logits, bit for bit,
     * for the same batch). What the logit lens reads each layer through.
     */
    public float[] head(Compute ops, float[] residual, int count) {
        int dim = c.dim();
        float[] normed = new float[count * dim];
        if (f.norm() == Family.Norm.LAYER) {
            ops.layerNorm(normed, residual, w.outputNorm(), w.outputNormBias(), count, dim, c.normEps());
        } else {
            ops.rmsNorm(normed, residual, w.outputNorm(), count, dim, c.normEps());
        }
        float[] logits = new float[count * c.vocabSize()];
        ops.matmul(w.output(), normed, count, logits);
        if (f.finalSoftcap() > 0) {
            ops.softcap(logits, 0, logits.length, f.finalSoftcap());
        }
        return logits;
    }

    /** Token embeddings, scaled (gemma) and given their position (gpt2): rows looked up on the host, then written to x. */
    private void embed(Workspace ws, Buffer x, int[] tokens, int from, int count, int startPos) {
        int dim = c.dim();
        float[] e = new float[count * dim];
        float[] position = w.positionEmbedding() == null ? null : new float[dim];
        for (int t = 0; t < count; t++) {
            w.tokenEmbedding().dequantizeRow(tokens[from + t], e, t * dim);
            if (f.embeddingScale() != 1f) {
                for (int i = t * dim; i < (t + 1) * dim; i++) {
                    e[i] *= f.embeddingScale();
                }
            }
            if (position != null) {
                w.positionEmbedding().dequantizeRow(startPos + t, position, 0);
                for (int i = 0; i < dim; i++) {
                    e[t * dim + i] += position[i];
                }
            }
        }
        ws.write(e, 0, x, 0, e.length);
    }

    /** xb = the family's norm of the residual stream x, with these weights (and bias). */
    private void norm(Workspace ws, Workspace.Buffers b, float[] weight, float[] bias, int count) {
        if (f.norm() == Family.Norm.LAYER) {
            ws.layerNorm(b.xb(), b.x(), weight, bias, count, c.dim(), c.normEps());
        } else {
            ws.rmsNorm(b.xb(), b.x(), weight, count, c.dim(), c.normEps());
        }
    }

    /** x += the block output in proj, normalised first where the family norms block outputs; a probe sees it first. */
    private void residual(Workspace ws, Workspace.Buffers b, Probe probe, Probe.Site site, int layer, float[] postNorm,
                          int count, int startPos) {
        if (postNorm != null) {
            ws.rmsNorm(b.proj(), b.proj(), postNorm, count, c.dim(), c.normEps());
        }
        observe(ws, probe, site, layer, b.proj(), count, c.dim(), startPos);
        ws.add(b.x(), b.proj(), count * c.dim());
    }

    private static void project(Workspace ws, WeightMatrix m, float[] bias, Buffer in, int count, Buffer out) {
        ws.matmul(m, in, count, out);
        if (bias != null) {
            ws.addBias(out, bias, count, m.rows());
        }
    }

    /**
     * Where a probe hooks in: the values of a site are copied out (read back from a device) only
     * when the probe watches it, and written back only when it changed them.
     */
    private static void observe(Workspace ws, Probe probe, Probe.Site site, int layer, Buffer values, int count,
                                int width, int startPos) {
        if (probe == null || !probe.watches(site, layer)) {
            return;
        }
        float[] v = new float[count * width];
        ws.read(values, 0, v, 0, v.length);
        if (probe.at(site, layer, startPos, count, width, v)) {
            ws.write(v, 0, values, 0, v.length);
        }
    }

    /**
     * The steps of this model's passes that a device hands to the CPU for want of a kernel, in
     * words (e.g. "layer_norm", "matmul of Q4_K"); empty when it runs them all.
     */
    public java.util.List<String> hostSteps(DeviceWorkspaces device) {
        java.util.Set<String> steps = new java.util.LinkedHashSet<>();
        for (Workspace.Op op : needs()) {
            if (!device.runs(op)) {
                steps.add(op.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        for (WeightMatrix m : matrices()) {
            if (!device.multiplies(m.type())) {
                steps.add("matmul of " + m.type());
            }
        }
        return java.util.List.copyOf(steps);
    }

    /** The operations this model's passes take besides matrix products and attention. */
    public java.util.Set<Workspace.Op> needs() {
        java.util.Set<Workspace.Op> ops = java.util.EnumSet.of(Workspace.Op.ADD,
                f.norm() == Family.Norm.LAYER ? Workspace.Op.LAYER_NORM : Workspace.Op.RMS_NORM);
        Weights.Layer l = w.layers()[0];
        if (f.rope() != null) {
            ops.add(Workspace.Op.ROPE);
        }
        if (f.queryScale() != 1f) {
            ops.add(Workspace.Op.SCALE);
        }
        ops.add(l.gate() == null ? Workspace.Op.GELU
                : f.activation() == Family.Activation.GELU ? Workspace.Op.GEGLU : Workspace.Op.SWIGLU);
        if (f.finalSoftcap() > 0) {
            ops.add(Workspace.Op.SOFTCAP);
        }
        if (l.bq() != null || l.bk() != null || l.bv() != null || l.bo() != null || l.upBias() != null
                || l.downBias() != null) {
            ops.add(Workspace.Op.BIAS);
        }
        if (l.qNorm() != null || l.postAttnNorm() != null || l.postFfnNorm() != null) {
            ops.add(Workspace.Op.RMS_NORM);
        }
        return ops;
    }

    /** Every weight matrix a pass multiplies by, the output head last. */
    public java.util.List<WeightMatrix> matrices() {
        java.util.List<WeightMatrix> all = new java.util.ArrayList<>();
        for (Weights.Layer l : w.layers()) {
            for (WeightMatrix m : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                if (m != null) {
                    all.add(m);
                }
            }
        }
        all.add(w.output());
        return all;
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
