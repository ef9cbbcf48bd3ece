package org.llmexplorer.engine.train;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Parallel;

/**
 * The llama forward and backward passes over a batch of sequences of one length, written out by
 * hand, with every activation the backward pass needs kept from the forward pass:
 *
 * <pre>
 * x = embedding[tokens]
 * for each layer:
 *     h = rmsnorm(x) ; q, k, v = Wq h, Wk h, Wv h ; q, k = rope(q), rope(k)
 *     x = x + Wo attention(q, k, v, mask)
 *     h = rmsnorm(x) ; x = x + Wdown (silu(Wgate h) * (Wup h))
 * logits = Woutput rmsnorm(x) ; loss = cross-entropy(logits, next tokens)
 * </pre>
 *
 * The backward pass runs the same list bottom to top, each step turning the gradient of its
 * output into gradients of its input and weights (added into {@link Parameter#grad()}).
 */
public final class LlamaNetwork {
    private final LlamaParameters w;
    private final LlamaShape s;
    private final MaskPlan masks;
    private final int batch;
    private final int seqLen;
    private final int n;
    private final Parallel p;
    private final RotaryEmbedding rope;
    private final MaskedAttention attention;

    // Kept from the forward pass, per layer where indexed by layer.
    private final int[] tokens;
    private final float[][] x;      // residual stream entering layer l; x[layers] leaves the last one
    private final float[][] h1;     // rmsnorm before attention
    private final float[][] s1;     // its 1/rms per token
    private final float[][] q;
    private final float[][] k;
    private final float[][] v;
    private final float[][] probs;  // attention weights
    private final float[][] att;    // attention output, before Wo
    private final float[][] mid;    // residual stream after attention
    private final float[][] h2;     // rmsnorm before the feed-forward network
    private final float[][] s2;
    private final float[][] gate;
    private final float[][] up;
    private final float[][] act;    // silu(gate) * up
    private final float[] hf;       // final rmsnorm
    private final float[] sf;
    private final float[] logits;   // after backward(): the loss gradient with respect to them
    private final float[] perToken;

    // Gradients flowing back; reused layer after layer.
    private final float[] dx;
    private final float[] dh;
    private final float[] dtmp;
    private final float[] dq;
    private final float[] dk;
    private final float[] dv;
    private final float[] datt;
    private final float[] dact;
    private final float[] dgate;
    private final float[] dup;

    public LlamaNetwork(LlamaParameters params, MaskPlan masks, int batch, int seqLen, Parallel parallel) {
        this.w = params;
        this.s = params.shape();
        this.masks = masks;
        this.batch = batch;
        this.seqLen = seqLen;
        this.n = batch * seqLen;
        this.p = parallel;
        this.rope = new RotaryEmbedding(s.headDim(), s.ropeBase(), seqLen);
        this.attention = new MaskedAttention(seqLen, s.heads(), s.kvHeads(), s.headDim());
        int d = s.dim();
        int kv = s.kvDim();
        int f = s.ffnDim();
        int layers = s.layers();
        tokens = new int[n];
        x = new float[layers + 1][n * d];
        h1 = new float[layers][n * d];
        s1 = new float[layers][n];
        q = new float[layers][n * d];
        k = new float[layers][n * kv];
        v = new float[layers][n * kv];
        probs = new float[layers][batch * s.heads() * seqLen * seqLen];
        att = new float[layers][n * d];
        mid = new float[layers][n * d];
        h2 = new float[layers][n * d];
        s2 = new float[layers][n];
        gate = new float[layers][n * f];
        up = new float[layers][n * f];
        act = new float[layers][n * f];
        hf = new float[n * d];
        sf = new float[n];
        logits = new float[n * s.vocab()];
        perToken = new float[n];
        dx = new float[n * d];
        dh = new float[n * d];
        dtmp = new float[n * d];
        dq = new float[n * d];
        dk = new float[n * kv];
        dv = new float[n * kv];
        datt = new float[n * d];
        dact = new float[n * f];
        dgate = new float[n * f];
        dup = new float[n * f];
    }

    public int batch() {
        return batch;
    }

    public int seqLen() {
        return seqLen;
    }

    /** Runs batch x seqLen tokens (sequence after sequence); afterwards {@link #logits()} holds every token's logits. */
    public void forward(int[] input) {
        int d = s.dim();
        int kv = s.kvDim();
        int f = s.ffnDim();
        float eps = s.normEps();
        System.arraycopy(input, 0, tokens, 0, n);
        Embedding.forward(tokens, n, w.embedding.value(), d, x[0]);
        for (int l = 0; l < s.layers(); l++) {
            LlamaParameters.Layer lw = w.layers[l];
            RmsNorm.forward(p, x[l], lw.attnNorm().value(), h1[l], s1[l], n, d, eps);
            Linear.forward(p, h1[l], lw.wq().value(), q[l], n, d, d);
            Linear.forward(p, h1[l], lw.wk().value(), k[l], n, d, kv);
            Linear.forward(p, h1[l], lw.wv().value(), v[l], n, d, kv);
            rope.forward(p, q[l], n, seqLen, s.heads(), s.headDim());
            rope.forward(p, k[l], n, seqLen, s.kvHeads(), s.headDim());
            attention.forward(p, masks, l, batch, q[l], k[l], v[l], att[l], probs[l]);
            Linear.forward(p, att[l], lw.wo().value(), mid[l], n, d, d);
            add(mid[l], x[l], n * d);

            RmsNorm.forward(p, mid[l], lw.ffnNorm().value(), h2[l], s2[l], n, d, eps);
            Linear.forward(p, h2[l], lw.gate().value(), gate[l], n, d, f);
            Linear.forward(p, h2[l], lw.up().value(), up[l], n, d, f);
            SwiGlu.forward(p, gate[l], up[l], act[l], n * f);
            Linear.forward(p, act[l], lw.down().value(), x[l + 1], n, f, d);
            add(x[l + 1], mid[l], n * d);
        }
        RmsNorm.forward(p, x[s.layers()], w.outputNorm.value(), hf, sf, n, d, eps);
        Linear.forward(p, hf, w.output.value(), logits, n, d, s.vocab());
    }

    /** The mean next-token loss of the last forward pass; with {@code gradient}, logits become its gradient. */
    public double loss(int[] targets, boolean gradient) {
        return CrossEntropy.apply(p, logits, targets, n, s.vocab(), perToken, gradient);
    }

    /** Adds the gradient of the loss (after {@code loss(targets, true)}) into every parameter's grad. */
    public void backward() {
        int d = s.dim();
        int kv = s.kvDim();
        int f = s.ffnDim();
        int layers = s.layers();
        Linear.backward(p, logits, hf, w.output.value(), dh, w.output.grad(), n, d, s.vocab());
        RmsNorm.backward(p, dh, x[layers], w.outputNorm.value(), sf, dx, w.outputNorm.grad(), n, d);
        for (int l = layers - 1; l >= 0; l--) {
            LlamaParameters.Layer lw = w.layers[l];
            // Feed-forward block: x[l + 1] = mid + Wdown act. dx holds d loss / d x[l + 1].
            Linear.backward(p, dx, act[l], lw.down().value(), dact, lw.down().grad(), n, f, d);
            SwiGlu.backward(p, dact, gate[l], up[l], dgate, dup, n * f);
            Linear.backward(p, dgate, h2[l], lw.gate().value(), dh, lw.gate().grad(), n, d, f);
            Linear.backward(p, dup, h2[l], lw.up().value(), dtmp, lw.up().grad(), n, d, f);
            add(dh, dtmp, n * d);
            RmsNorm.backward(p, dh, mid[l], lw.ffnNorm().value(), s2[l], dtmp, lw.ffnNorm().grad(), n, d);
            add(dx, dtmp, n * d); // now d loss / d mid

            // Attention block: mid = x[l] + Wo attention(rope(Wq h), rope(Wk h), Wv h).
            Linear.backward(p, dx, att[l], lw.wo().value(), datt, lw.wo().grad(), n, d, d);
            attention.backward(p, masks, l, batch, q[l], k[l], v[l], probs[l], datt, dq, dk, dv);
            rope.backward(p, dq, n, seqLen, s.heads(), s.headDim());
            rope.backward(p, dk, n, seqLen, s.kvHeads(), s.headDim());
            Linear.backward(p, dq, h1[l], lw.wq().value(), dh, lw.wq().grad(), n, d, d);
            Linear.backward(p, dk, h1[l], lw.wk().value(), dtmp, lw.wk().grad(), n, d, kv);
            add(dh, dtmp, n * d);
            Linear.backward(p, dv, h1[l], lw.wv().value(), dtmp, lw.wv().grad(), n, d, kv);
            add(dh, dtmp, n * d);
            RmsNorm.backward(p, dh, x[l], lw.attnNorm().value(), s1[l], dtmp, lw.attnNorm().grad(), n, d);
            add(dx, dtmp, n * d); // now d loss / d x[l]
        }
        Embedding.backward(tokens, n, dx, w.embedding.grad(), d);
    }

    /** Every token's logits after {@link #forward} (token t's vocabulary values start at t * vocab). */
    public float[] logits() {
        return logits;
    }

    /** The attention weights of one head of one layer for sequence b: seqLen rows of seqLen values. */
    public float[][] attention(int layer, int head, int b) {
        float[][] m = new float[seqLen][seqLen];
        for (int t = 0; t < seqLen; t++) {
            System.arraycopy(probs[layer], ((b * s.heads() + head) * seqLen + t) * seqLen, m[t], 0, seqLen);
        }
        return m;
    }

    private static void add(float[] into, float[] from, int len) {
        for (int i = 0; i < len; i++) {
            into[i] += from[i];
        }
    }
}
