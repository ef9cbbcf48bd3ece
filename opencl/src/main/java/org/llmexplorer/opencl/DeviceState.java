package org.llmexplorer.opencl;

import org.llmexplorer.engine.model.DeviceForward;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * One conversation on the device: its KV cache (a key and a value buffer per layer, positions
 * after each other as on the host) and the buffers of a forward pass, sized for a batch of
 * tokens and grown when a longer run comes. Attached to its {@link InferenceState}.
 */
final class DeviceState implements DeviceForward.State {
    final OpenClCompute owner;
    final DeviceModel model;
    final ModelConfig c;
    final int contextLength;
    final Buffer[] keys;
    final Buffer[] values;
    /** Positions [0, held) of the cache hold keys and values. */
    int held;

    int batch;
    Buffer x, xb, q, k, v, att, proj, hb, hb2, logits;
    Activations activations;
    /** Per pass: rope angles (global and local layers), the attention plan, attention weights. */
    Buffer[] angles = new Buffer[2];
    Buffer ranges, lists, headSlots, weights;

    private final ClContext cl;

    DeviceState(OpenClCompute owner, ClContext cl, DeviceModel model, ModelConfig c, int contextLength, int batch) {
        this.owner = owner;
        this.cl = cl;
        this.model = model;
        this.c = c;
        this.contextLength = contextLength;
        this.keys = new Buffer[c.layers()];
        this.values = new Buffer[c.layers()];
        try {
            long bytes = (long) contextLength * c.kvDim() * Float.BYTES;
            for (int l = 0; l < c.layers(); l++) {
                keys[l] = cl.allocate(bytes, "the key cache");
                values[l] = cl.allocate(bytes, "the value cache");
            }
            allocate(batch);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    /** Makes room for a pass of n tokens. */
    void ensureBatch(int n) {
        if (n > batch) {
            releaseBatch();
            allocate(n);
        }
    }

    private void allocate(int b) {
        batch = b;
        long f = Float.BYTES;
        x = cl.allocate(f * b * c.dim(), "activations");
        xb = cl.allocate(f * b * c.dim(), "activations");
        proj = cl.allocate(f * b * c.dim(), "activations");
        q = cl.allocate(f * b * c.qDim(), "queries");
        att = cl.allocate(f * b * c.qDim(), "attention output");
        k = cl.allocate(f * b * c.kvDim(), "keys");
        v = cl.allocate(f * b * c.kvDim(), "values");
        hb = cl.allocate(f * b * c.ffnDim(), "feed-forward activations");
        hb2 = cl.allocate(f * b * c.ffnDim(), "feed-forward activations");
        logits = cl.allocate(f * b * c.vocabSize(), "logits");
        activations = new Activations(cl, b, Math.max(Math.max(c.dim(), c.qDim()), c.ffnDim()));
    }

    /** A per-pass buffer of at least this many bytes: the one given if it is large enough, else a new one. */
    Buffer atLeast(Buffer b, long bytes, String what) {
        if (b != null && b.bytes >= bytes) {
            return b;
        }
        cl.release(b);
        return cl.allocate(Math.max(bytes, b == null ? 0 : 2 * b.bytes), what);
    }

    /** Uploads the host cache of positions [0, positions) (a conversation the CPU ran so far). */
    void uploadFrom(InferenceState host, int positions) {
        int n = positions * c.kvDim();
        float[] byPosition = new float[n]; // the host keeps keys dimension-major, the device position-major
        for (int l = 0; l < c.layers(); l++) {
            host.cachedKeys(l, positions, byPosition);
            cl.write(keys[l], 0, byPosition, 0, n);
            cl.write(values[l], 0, host.cachedValues(l), 0, n);
        }
        held = positions;
    }

    @Override
    public void copyToHost(InferenceState host) {
        synchronized (owner) {
            int n = held * c.kvDim();
            float[] byPosition = new float[n];
            for (int l = 0; l < c.layers(); l++) {
                cl.read(keys[l], 0, byPosition, 0, n);
                host.cacheKeys(l, byPosition, held);
                cl.read(values[l], 0, host.cachedValues(l), 0, n);
            }
        }
    }

    @Override
    public void copyTo(InferenceState target, int positions) {
        synchronized (owner) {
            DeviceState other = owner.stateFor(target, model, c, 0);
            long bytes = (long) positions * c.kvDim() * Float.BYTES;
            for (int l = 0; l < c.layers(); l++) {
                cl.copy(keys[l], 0, other.keys[l], 0, bytes);
                cl.copy(values[l], 0, other.values[l], 0, bytes);
            }
            other.held = Math.max(other.held, positions);
        }
    }

    private void releaseBatch() {
        for (Buffer b : new Buffer[] {x, xb, proj, q, att, k, v, hb, hb2, logits}) {
            cl.release(b);
        }
        if (activations != null) {
            activations.release(cl);
        }
    }

    @Override
    public void release() {
        synchronized (owner) {
            if (owner.isClosed()) {
                return; // the context, and every buffer in it, is gone already
            }
            releaseBatch();
            for (int l = 0; l < keys.length; l++) {
                cl.release(keys[l]);
                cl.release(values[l]);
            }
            for (Buffer b : new Buffer[] {angles[0], angles[1], ranges, lists, headSlots, weights}) {
                cl.release(b);
            }
        }
    }
}
