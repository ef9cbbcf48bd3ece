package org.llmexplorer.engine.model;

/**
 * Everything one conversation needs besides the weights: the KV cache and the scratch buffers
 * of a forward pass, sized once so that no token allocates. Buffers hold up to {@code batch}
 * tokens of a prompt at a time.
 */
public final class InferenceState {
    final int batch;
    final KvCache cache;
    final float[] x;       // residual stream, batch x dim
    final float[] xb;      // normalised input of a block, batch x dim
    final float[] q;       // queries, batch x qDim
    final float[] k;       // new keys, batch x kvDim
    final float[] v;       // new values, batch x kvDim
    final float[] att;     // attention output, batch x qDim
    final float[] proj;    // output of a projection back to dim, batch x dim
    final float[] hb;      // gate, batch x ffnDim
    final float[] hb2;     // up, batch x ffnDim
    final float[] cos;
    final float[] sin;
    final int[][] keyScratch;     // per worker: allowed keys of one query
    final float[][] scoreScratch; // per worker: attention scores of one query
    float[] logits;               // vocab values per token that asked for logits
    final int vocab;

    public InferenceState(ModelConfig c, int contextLength, int batch, int workers) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context length must be positive");
        }
        this.batch = Math.max(1, batch);
        this.cache = new KvCache(c.layers(), c.kvDim(), contextLength);
        int b = this.batch;
        x = new float[b * c.dim()];
        xb = new float[b * c.dim()];
        q = new float[b * c.qDim()];
        k = new float[b * c.kvDim()];
        v = new float[b * c.kvDim()];
        att = new float[b * c.qDim()];
        proj = new float[b * c.dim()];
        hb = new float[b * c.ffnDim()];
        hb2 = new float[b * c.ffnDim()];
        cos = new float[c.ropeDims() / 2];
        sin = new float[c.ropeDims() / 2];
        keyScratch = new int[workers][contextLength];
        scoreScratch = new float[workers][contextLength];
        vocab = c.vocabSize();
        logits = new float[vocab];
    }

    public int contextLength() {
        return cache.capacity();
    }

    public int batch() {
        return batch;
    }

    /** Makes room for logits of n tokens (only perplexity and prompt scoring ask for more than one). */
    float[] logitsFor(int n) {
        if (logits.length < n * vocab) {
            logits = new float[n * vocab];
        }
        return logits;
    }

    /** The logits the last forward pass produced: token t's vocabulary values start at t * vocab. */
    public float[] logits() {
        return logits;
    }
}
