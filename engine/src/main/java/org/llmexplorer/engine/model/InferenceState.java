package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.AttentionRecorder;

/**
 * Everything one conversation needs besides the weights: the KV cache, the scratch buffers of a
 * forward pass (sized for {@code batch} tokens at a time, so that generating allocates nothing),
 * who is watching the attention, and counters of the attention work done.
 */
public final class InferenceState {
    private final ModelConfig c;
    int batch;
    final KvCache cache;
    float[] x;       // residual stream, batch x dim
    float[] xb;      // normalised input of a block, batch x dim
    float[] q;       // queries, batch x qDim
    float[] k;       // new keys, batch x kvDim
    float[] v;       // new values, batch x kvDim
    float[] att;     // attention output, batch x qDim
    float[] proj;    // output of a projection back to dim, batch x dim
    float[] hb;      // gate, batch x ffnDim
    float[] hb2;     // up, batch x ffnDim
    final float[] cos;
    final float[] sin;
    final int[][] keyScratch;     // per worker: allowed keys of one query
    final float[][] scoreScratch; // per worker: attention scores of one query for each head of a group
    final long[] pairsByWorker;   // per worker: attended (query, key) pairs
    float[] logits;               // vocab values per token that asked for logits
    final int vocab;

    AttentionRecorder recorder;
    DeviceForward.State device;   // when set, the device holds the KV cache, not the arrays above
    long attendedPairs;
    long attentionNanos;

    public InferenceState(ModelConfig c, int contextLength, int batch, int workers) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context length must be positive");
        }
        this.c = c;
        this.cache = new KvCache(c.layers(), c.kvDim(), c.headDim(), contextLength);
        cos = new float[c.ropeDims() / 2];
        sin = new float[c.ropeDims() / 2];
        keyScratch = new int[workers][contextLength];
        scoreScratch = new float[workers][Math.max(contextLength, 64) * (c.heads() / c.kvHeads())];
        pairsByWorker = new long[workers];
        vocab = c.vocabSize();
        logits = new float[vocab];
        allocate(Math.max(1, batch));
    }

    private void allocate(int b) {
        batch = b;
        x = new float[b * c.dim()];
        xb = new float[b * c.dim()];
        q = new float[b * c.qDim()];
        k = new float[b * c.kvDim()];
        v = new float[b * c.kvDim()];
        att = new float[b * c.qDim()];
        proj = new float[b * c.dim()];
        hb = new float[b * c.ffnDim()];
        hb2 = new float[b * c.ffnDim()];
    }

    /**
     * Makes room for n tokens in one forward pass (a prompt under a mask that looks ahead must
     * be processed in one piece).
     */
    public void ensureBatch(int n) {
        if (n > batch) {
            allocate(n);
        }
    }

    public int contextLength() {
        return cache.capacity();
    }

    public int batch() {
        return batch;
    }

    /** Copies the keys and values of positions [0, positions) from another conversation of the same model. */
    public void copyCacheFrom(InferenceState other, int positions) {
        if (other.device != null) { // the other's cache is on a device: copy it there
            other.device.copyTo(this, positions);
            return;
        }
        leaveDevice();
        cache.copyFrom(other.cache, positions);
    }

    /** The device state that holds this conversation's KV cache, or null when the host arrays hold it. */
    public DeviceForward.State deviceState() {
        return device;
    }

    /** Hands the KV cache to a device's state (which has taken over every cached position), or back with null. */
    public void deviceState(DeviceForward.State state) {
        this.device = state;
    }

    /** Brings the KV cache back from a device to the host arrays and frees the device's copy (no-op on the host). */
    public void leaveDevice() {
        if (device != null) {
            DeviceForward.State d = device;
            device = null;
            d.copyToHost(this);
            d.release();
        }
    }

    /** The host cache of one layer's keys of positions [0, positions), position-major (p * kvDim + i), into out. */
    public void cachedKeys(int layer, int positions, float[] out) {
        cache.keysByPosition(layer, positions, out);
    }

    /** Sets the host cache of one layer's keys of positions [0, positions) from position-major values. */
    public void cacheKeys(int layer, float[] in, int positions) {
        cache.keysFromPositions(layer, in, positions);
    }

    /** The host cache of one layer's values: position p's kvDim values start at p * kvDim. */
    public float[] cachedValues(int layer) {
        return cache.values[layer];
    }

    /** Makes room for logits of n tokens (only perplexity and prompt scoring ask for more than one). */
    public float[] logitsFor(int n) {
        if (logits.length < n * vocab) {
            logits = new float[n * vocab];
        }
        return logits;
    }

    /** The logits the last forward pass produced: token t's vocabulary values start at t * vocab. */
    public float[] logits() {
        return logits;
    }

    /** Who receives attention weights from now on (null: nobody; nothing is copied). */
    public void recorder(AttentionRecorder recorder) {
        this.recorder = recorder;
    }

    /** Who receives attention weights (null: nobody). */
    public AttentionRecorder recorder() {
        return recorder;
    }

    /** Adds attention work done elsewhere (on a device) to the counters. */
    public void countAttention(long pairs, long nanos) {
        attendedPairs += pairs;
        attentionNanos += nanos;
    }

    /** (query, key) pairs attended since the last reset, over all layers and heads. */
    public long attendedPairs() {
        return attendedPairs;
    }

    /** Floating-point operations of attention since the last reset: q.k and the weighted sum of v, 4 per pair and dimension. */
    public long attentionFlops() {
        return attendedPairs * 4L * c.headDim();
    }

    /** Time spent in attention (scores, softmax, weighted sums) since the last reset. */
    public long attentionNanos() {
        return attentionNanos;
    }

    public void resetCounters() {
        attendedPairs = 0;
        attentionNanos = 0;
    }
}
