package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.AttentionRecorder;
import org.llmexplorer.engine.compute.Compute;

/**
 * Everything one conversation needs besides the weights: the KV cache, the {@link Workspace} its
 * passes run in (the host's arrays, or a device's memory), who observes the passes, and counters
 * of the attention work done.
 *
 * <p>Where the KV cache lives: while a device's workspace holds the conversation, the device
 * holds every cached position; otherwise the host {@link KvCache} does. Moving between the two
 * ({@link #leaveDevice()}, or a device taking over the host's positions when a pass first runs
 * there) keeps a conversation intact whichever backend runs next.
 */
public final class InferenceState {
    private final ModelConfig c;
    private int batch;
    final KvCache cache;
    private float[] logits;       // vocab values per token that asked for logits
    private final int vocab;

    private AttentionRecorder recorder;
    private Probe probe;
    private Probe observers;      // the recorder and the probe together
    private Workspace workspace;  // where the last pass ran
    private HostWorkspace host;   // the host's arrays, kept while a device runs the passes
    private boolean hostOnly;     // a device ran out of memory for this conversation
    private long attendedPairs;
    private long attentionNanos;

    public InferenceState(ModelConfig c, int contextLength, int batch) {
        this(c, contextLength, batch, KvCache.Type.F32);
    }

    /** With the KV cache in the given type (F16: half the memory, on the host and on a device). */
    public InferenceState(ModelConfig c, int contextLength, int batch, KvCache.Type kvType) {
        if (contextLength < 1) {
            throw new IllegalArgumentException("context length must be positive");
        }
        this.c = c;
        this.cache = new KvCache(c.layers(), c.kvDim(), c.headDim(), contextLength, kvType);
        this.vocab = c.vocabSize();
        this.logits = new float[vocab];
        this.batch = Math.max(1, batch);
    }

    ModelConfig config() {
        return c;
    }

    /**
     * The workspace a pass of this model on this backend runs in: the one of the last pass when
     * it serves, else a new one. A device's is opened where the device takes the model (the host
     * cache of positions [0, startPos) goes up with it); otherwise the host's arrays serve, the
     * cache coming back from any device first.
     */
    Workspace workspace(Compute ops, Transformer model, int startPos) {
        if (workspace != null && workspace.serves(ops, model, contextLength())) {
            return workspace;
        }
        leaveDevice();
        Workspace next = null;
        if (!hostOnly && ops instanceof DeviceWorkspaces device
                && device.declines(model) == null) {
            next = device.open(model, this);
            if (next != null && startPos > 0) {
                next.copyCacheFromHost(cache, startPos);
            }
        }
        if (next == null) {
            host = host == null ? new HostWorkspace(ops, this, batch) : host.serves(ops, model, 0) ? host : host.on(ops);
            next = host;
        }
        workspace = next;
        return next;
    }

    /** A device ran out of memory in a pass: the cache comes home and every later pass runs on the CPU. */
    void keepOnHost() {
        leaveDevice();
        hostOnly = true;
    }

    /** Records that a pass of n tokens runs (a prompt under a mask that looks ahead runs in one piece). */
    void ensureBatch(int n) {
        batch = Math.max(batch, n);
    }

    public int contextLength() {
        return cache.capacity();
    }

    /** How the KV cache stores keys and values, and the bytes it holds. */
    public KvCache.Type kvType() {
        return cache.type();
    }

    public long kvBytes() {
        return cache.bytes();
    }

    /** How many tokens a pass takes at a time (a prompt is fed in pieces of this size). */
    public int batch() {
        return batch;
    }

    /** Copies the keys and values of positions [0, positions) from another conversation of the same model. */
    public void copyCacheFrom(InferenceState other, int positions) {
        leaveDevice();
        Workspace theirs = other.workspace;
        if (theirs != null && !theirs.onHost()) { // their cache is on a device: copy it there
            Workspace mine = theirs.copyCacheTo(this, positions);
            if (mine != null) {
                workspace = mine;
                return;
            }
            theirs.copyCacheToHost(cache); // no room for a second conversation on the device
            return;
        }
        cache.copyFrom(other.cache, positions);
    }

    /** The device workspace that holds this conversation's KV cache, or null when the host arrays hold it. */
    public Workspace deviceWorkspace() {
        return workspace == null || workspace.onHost() ? null : workspace;
    }

    /** Brings the KV cache back from a device to the host arrays and frees the device's copy (no-op on the host). */
    public void leaveDevice() {
        Workspace w = workspace;
        if (w != null && !w.onHost()) {
            workspace = null;
            w.copyCacheToHost(cache);
            w.release();
        }
    }

    /** Frees a device's copy of this conversation without bringing its cache home: for a state that is done. */
    public void release() {
        Workspace w = workspace;
        if (w != null && !w.onHost()) {
            workspace = null;
            w.release();
        }
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
        observers = Probe.both(recorder == null ? null : new RecorderProbe(recorder), probe);
    }

    /** Who receives attention weights (null: nobody). */
    public AttentionRecorder recorder() {
        return recorder;
    }

    /** Who reads (or replaces) the named values of the passes from now on (null: nobody; nothing is copied). */
    public void probe(Probe probe) {
        this.probe = probe;
        observers = Probe.both(recorder == null ? null : new RecorderProbe(recorder), probe);
    }

    public Probe probe() {
        return probe;
    }

    /** The recorder and the probe as one observer, or null when there is none. */
    Probe observers() {
        return observers;
    }

    /** The attention recorder as a probe of attention weights. */
    private record RecorderProbe(AttentionRecorder r) implements Probe {
        @Override
        public boolean recordsAttention(int layer, int head) {
            return r.records(layer, head);
        }

        @Override
        public void attention(int layer, int head, int query, int[] keys, float[] weights, int n) {
            r.record(layer, head, query, keys, weights, n);
        }
    }

    /** Adds attention work done in a pass to the counters. */
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
