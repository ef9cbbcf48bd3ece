package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.model.HostFallback;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Probe;
import org.llmexplorer.engine.model.Rope;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Workspace;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * One conversation on the device: its KV cache (a key and a value buffer per layer, positions
 * after each other, in floats or in halves as the conversation's {@link KvCache.Type} says), the
 * activations of a pass (grown when a longer run comes) and a kernel per operation of the recipe.
 * Weights are the model's uploaded copies ({@link DeviceModel}). The host does what is cheap and
 * must round as the CPU does: rope angles and the lists of allowed keys; attention weights are
 * read back only for the heads a probe watches.
 *
 * <p>Never references its {@link InferenceState}, so that a conversation nobody holds any longer
 * can be collected and its device memory freed ({@link OpenClCompute} registers that).
 */
final class ClWorkspace implements Workspace {
    final OpenClCompute owner;
    final DeviceModel model;
    final ModelConfig c;
    final int contextLength;
    /** The cache holds the bits of halves (llama.cpp's default; half the memory), else floats. */
    final boolean halfCache;
    private final int entryBytes;
    private final ClContext cl;
    private final Kernels k;
    private final Buffer[] keys;
    private final Buffer[] values;
    /** Positions [0, held) of the cache hold keys and values; a pass adds its own when it finishes. */
    private int held;
    private int stored;

    private int batch;
    private Buffers buffers;
    private Buffer logits;
    private Activations activations;

    /** Per pass: rope angles of each rope, the attention plan and its buffers, the attention launches. */
    private final Map<Rope, Buffer> angles = new IdentityHashMap<>();
    private final Map<Rope, Integer> anglesOfPass = new IdentityHashMap<>();
    private AttentionPlan plan;
    private Buffer ranges, lists, headSlots, weights;
    private final List<Long> attentionEvents = new ArrayList<>();

    ClWorkspace(OpenClCompute owner, ClContext cl, Kernels kernels, DeviceModel model, ModelConfig c,
                int contextLength, int batch, KvCache.Type kvType) {
        this.owner = owner;
        this.cl = cl;
        this.k = kernels;
        this.model = model;
        this.c = c;
        this.contextLength = contextLength;
        this.halfCache = kvType == KvCache.Type.F16;
        this.entryBytes = halfCache ? Short.BYTES : Float.BYTES;
        this.keys = new Buffer[c.layers()];
        this.values = new Buffer[c.layers()];
        try {
            long bytes = (long) contextLength * c.kvDim() * entryBytes;
            for (int l = 0; l < c.layers(); l++) {
                keys[l] = cl.allocate(bytes, "the key cache");
                values[l] = cl.allocate(bytes, "the value cache");
            }
            buffers(Math.max(1, batch));
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    // ---- buffers --------------------------------------------------------------------------------

    @Override
    public Buffers buffers(int count) {
        if (owner.isClosed()) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        plan = null; // a new pass: its own plan and angles (a pass that failed half-way leaves nothing behind)
        anglesOfPass.clear();
        attentionEvents.clear();
        if (count > batch) {
            releaseBatch();
            batch = 0;
            long f = Float.BYTES;
            java.util.List<Buffer> made = new java.util.ArrayList<>(); // freed again if any allocation fails
            try {
                Buffers next = new Buffers(allocate(f * count * c.dim(), "activations", made),
                        allocate(f * count * c.dim(), "activations", made),
                        allocate(f * count * c.qDim(), "queries", made), allocate(f * count * c.kvDim(), "keys", made),
                        allocate(f * count * c.kvDim(), "values", made),
                        allocate(f * count * c.qDim(), "attention output", made),
                        allocate(f * count * c.dim(), "activations", made),
                        allocate(f * count * c.ffnDim(), "feed-forward activations", made),
                        allocate(f * count * c.ffnDim(), "feed-forward activations", made));
                Buffer nextLogits = allocate(f * count * c.vocabSize(), "logits", made);
                activations = new Activations(cl, count, Math.max(Math.max(c.dim(), c.qDim()), c.ffnDim()));
                buffers = next;
                logits = nextLogits;
                batch = count;
            } catch (OpenClException.OutOfDeviceMemory e) {
                made.forEach(cl::release);
                throw new OutOfMemory(e.getMessage());
            }
        }
        return buffers;
    }

    private Buffer allocate(long bytes, String what, java.util.List<Buffer> made) {
        Buffer b = cl.allocate(bytes, what);
        made.add(b);
        return b;
    }

    @Override
    public org.llmexplorer.engine.model.Buffer logits(int n) {
        return logits;
    }

    private static Buffer d(org.llmexplorer.engine.model.Buffer b) {
        return (Buffer) b;
    }

    /** A buffer is written: the rounded forms made of it for the next products are stale. */
    private Buffer wrote(org.llmexplorer.engine.model.Buffer b) {
        if (activations.source() == b) {
            activations.of(null, 0);
        }
        return d(b);
    }

    /** A per-pass buffer of at least this many bytes: the one given if it is large enough, else a new one. */
    private Buffer atLeast(Buffer b, long bytes, String what) {
        if (b != null && b.bytes >= bytes) {
            return b;
        }
        cl.release(b);
        try {
            return cl.allocate(Math.max(bytes, b == null ? 0 : 2 * b.bytes), what);
        } catch (OpenClException.OutOfDeviceMemory e) {
            throw new OutOfMemory(e.getMessage());
        }
    }

    @Override
    public void read(org.llmexplorer.engine.model.Buffer b, int off, float[] to, int toOff, int n) {
        cl.read(d(b), (long) off * Float.BYTES, to, toOff, n);
    }

    @Override
    public void write(float[] from, int fromOff, org.llmexplorer.engine.model.Buffer b, int off, int n) {
        cl.write(wrote(b), (long) off * Float.BYTES, from, fromOff, n);
    }

    @Override
    public void copy(org.llmexplorer.engine.model.Buffer a, int aOff, org.llmexplorer.engine.model.Buffer b, int bOff,
                     int n) {
        cl.copy(d(a), (long) aOff * Float.BYTES, wrote(b), (long) bOff * Float.BYTES, (long) n * Float.BYTES);
    }

    // ---- operations: a kernel each --------------------------------------------------------------

    @Override
    public boolean runs(Op op) {
        return owner.runs(op);
    }

    @Override
    public boolean multiplies(GgmlType type) {
        return owner.multiplies(type);
    }

    /** out = w . in with in rounded as llama.cpp rounds activations for w's type, once for every product that shares in. */
    @Override
    public void matmul(WeightMatrix w, org.llmexplorer.engine.model.Buffer in, int batch,
                       org.llmexplorer.engine.model.Buffer out) {
        if (activations.source() != in || activations.cols() != w.cols()) {
            activations.of(d(in), w.cols());
        }
        k.matmul(model.matrix(w), activations, batch, wrote(out));
    }

    @Override
    public void addBias(org.llmexplorer.engine.model.Buffer x, float[] bias, int batch, int n) {
        k.addBias(wrote(x), model.vector(bias), n, batch * n);
    }

    @Override
    public void rmsNorm(org.llmexplorer.engine.model.Buffer out, org.llmexplorer.engine.model.Buffer x, float[] weight,
                        int batch, int dim, float eps) {
        k.rmsNorm(d(x), model.vector(weight), wrote(out), batch, dim, eps);
    }

    @Override
    public void layerNorm(org.llmexplorer.engine.model.Buffer out, org.llmexplorer.engine.model.Buffer x, float[] weight,
                          float[] bias, int batch, int dim, float eps) {
        k.layerNorm(d(x), model.vector(weight), bias == null ? null : model.vector(bias), wrote(out), batch, dim, eps);
    }

    /** The angles come from the engine's {@link Rope}, so that they are the CPU's to the bit; once per rope and pass. */
    @Override
    public void rope(org.llmexplorer.engine.model.Buffer v, Rope rope, int count, int startPos, int heads, int headDim) {
        Integer stamp = anglesOfPass.get(rope);
        if (stamp == null || stamp != startPos) {
            float[] table = rope.table(startPos, count);
            Buffer b = atLeast(angles.get(rope), (long) table.length * Float.BYTES, "rope angles");
            cl.write(b, 0, table, 0, table.length);
            angles.put(rope, b);
            anglesOfPass.put(rope, startPos);
        }
        k.rope(wrote(v), angles.get(rope), count, heads, headDim, rope.pairs(), rope.style() == Rope.Style.NEOX);
    }

    @Override
    public void scale(org.llmexplorer.engine.model.Buffer x, float factor, int n) {
        k.scale(wrote(x), factor, n);
    }

    @Override
    public void add(org.llmexplorer.engine.model.Buffer y, org.llmexplorer.engine.model.Buffer x, int n) {
        k.add(wrote(y), d(x), n);
    }

    @Override
    public void gelu(org.llmexplorer.engine.model.Buffer x, int n) {
        k.gelu(wrote(x), model.geluTable, n);
    }

    @Override
    public void geglu(org.llmexplorer.engine.model.Buffer gate, org.llmexplorer.engine.model.Buffer up, int n) {
        k.geglu(wrote(gate), d(up), model.geluTable, n);
    }

    @Override
    public void swiglu(org.llmexplorer.engine.model.Buffer gate, org.llmexplorer.engine.model.Buffer up, int n) {
        k.swiglu(wrote(gate), d(up), n);
    }

    @Override
    public void softcap(org.llmexplorer.engine.model.Buffer x, int n, float cap) {
        k.softcap(wrote(x), cap, n);
    }

    @Override
    public void store(int layer, org.llmexplorer.engine.model.Buffer key, org.llmexplorer.engine.model.Buffer value,
                      int count, int startPos) {
        int n = count * c.kvDim();
        if (halfCache) {
            k.storeHalf(d(key), keys[layer], startPos * c.kvDim(), n);
            k.storeHalf(d(value), values[layer], startPos * c.kvDim(), n);
        } else {
            long at = (long) startPos * c.kvDim() * Float.BYTES;
            cl.copy(d(key), 0, keys[layer], at, (long) n * Float.BYTES);
            cl.copy(d(value), 0, values[layer], at, (long) n * Float.BYTES);
        }
        stored = Math.max(stored, startPos + count);
    }

    /** The pass's attention plan (allowed keys of every mask) is made and uploaded at its first layer. */
    @Override
    public void attend(Attention a, org.llmexplorer.engine.model.Buffer q, org.llmexplorer.engine.model.Buffer out) {
        if (plan == null) {
            plan = AttentionPlan.of(a.masks(), c.layers(), c.heads(), a.startPos(), a.count());
            ranges = atLeast(ranges, (long) plan.ranges().length * Integer.BYTES, "attention ranges");
            cl.write(ranges, 0, plan.ranges(), 0, plan.ranges().length);
            lists = atLeast(lists, (long) plan.lists().length * Integer.BYTES, "attention key lists");
            cl.write(lists, 0, plan.lists(), 0, plan.lists().length);
            headSlots = atLeast(headSlots, (long) plan.headSlots().length * Integer.BYTES, "attention masks");
            cl.write(headSlots, 0, plan.headSlots(), 0, plan.headSlots().length);
            weights = atLeast(weights, (long) plan.count() * c.heads() * plan.length() * Float.BYTES,
                    "attention weights");
        }
        int l = a.layer();
        attentionEvents.add(k.attention(d(q), keys[l], values[l], halfCache, plan, l, ranges, lists, headSlots, weights,
                wrote(out), c.heads(), c.heads() / c.kvHeads(), c.headDim(), c.kvDim(), a.scale(), a.softcap()));
        record(a.probe(), l, a.startPos());
    }

    /** Reads back the attention weights of the heads the probe watches, query by query. */
    private void record(Probe probe, int layer, int startPos) {
        if (probe == null) {
            return;
        }
        int[] allowed = null;
        float[] w = null;
        for (int head = 0; head < c.heads(); head++) {
            if (!probe.recordsAttention(layer, head)) {
                continue;
            }
            if (allowed == null) {
                allowed = new int[plan.length()];
                w = new float[plan.length()];
            }
            for (int t = 0; t < plan.count(); t++) {
                int n = plan.keys(layer, head, c.heads(), t, allowed);
                long at = ((long) t * c.heads() + head) * plan.length() * Float.BYTES;
                cl.read(weights, at, w, 0, n);
                probe.attention(layer, head, startPos + t, allowed, w, n);
            }
        }
    }

    /** The pass is over (its logits read): its positions are held, its attention counted. */
    @Override
    public void finish(InferenceState s) {
        long nanos = 0;
        for (long event : attentionEvents) {
            nanos += cl.nanos(event);
        }
        s.countAttention(plan == null ? 0 : plan.pairs(), nanos);
        held = Math.max(held, stored);
    }

    // ---- the KV cache between backends ------------------------------------------------------------

    @Override
    public boolean onHost() {
        return false;
    }

    @Override
    public boolean serves(Object backend, Transformer m, int contextLength) {
        return backend == owner && model.weights.get() == m.weights() && this.contextLength == contextLength;
    }

    /**
     * The host keeps keys in blocks ({@link KvCache}); the device keeps them position-major. Both
     * hold the conversation's type, so halves pass through floats and back unchanged.
     */
    @Override
    public void copyCacheFromHost(KvCache host, int positions) {
        int n = positions * c.kvDim();
        float[] byPosition = new float[n];
        for (int l = 0; l < c.layers(); l++) {
            host.keysByPosition(l, positions, byPosition);
            write(keys[l], byPosition, n);
            host.valuesByPosition(l, positions, byPosition);
            write(values[l], byPosition, n);
        }
        held = stored = positions;
    }

    @Override
    public void copyCacheToHost(KvCache host) {
        int n = held * c.kvDim();
        float[] byPosition = new float[n];
        for (int l = 0; l < c.layers(); l++) {
            read(keys[l], byPosition, n);
            host.keysFromPositions(l, byPosition, held);
            read(values[l], byPosition, n);
            host.valuesFromPositions(l, byPosition, held);
        }
    }

    private void write(Buffer cache, float[] entries, int n) {
        if (!halfCache) {
            cl.write(cache, 0, entries, 0, n);
            return;
        }
        short[] bits = new short[n];
        for (int i = 0; i < n; i++) {
            bits[i] = Float.floatToFloat16(entries[i]);
        }
        cl.write(cache, 0, bits, 0, n);
    }

    private void read(Buffer cache, float[] entries, int n) {
        if (!halfCache) {
            cl.read(cache, 0, entries, 0, n);
            return;
        }
        short[] bits = new short[n];
        cl.read(cache, 0, bits, 0, n);
        for (int i = 0; i < n; i++) {
            entries[i] = Float.float16ToFloat(bits[i]);
        }
    }

    @Override
    public Workspace copyCacheTo(InferenceState target, int positions) {
        if (target.kvType() != (halfCache ? KvCache.Type.F16 : KvCache.Type.F32)) {
            return null; // a conversation of another cache type: the copy goes through the host
        }
        ClWorkspace other = owner.openOnDevice(model, c, target);
        if (other == null) {
            return null;
        }
        long bytes = (long) positions * c.kvDim() * entryBytes;
        for (int l = 0; l < c.layers(); l++) {
            cl.copy(keys[l], 0, other.keys[l], 0, bytes);
            cl.copy(values[l], 0, other.values[l], 0, bytes);
        }
        other.held = other.stored = Math.max(other.held, positions);
        return HostFallback.around(other, owner);
    }

    private void releaseBatch() {
        if (buffers != null) {
            for (Buffer b : new Buffer[] {d(buffers.x()), d(buffers.xb()), d(buffers.q()), d(buffers.k()),
                    d(buffers.v()), d(buffers.att()), d(buffers.proj()), d(buffers.hb()), d(buffers.hb2()), logits}) {
                cl.release(b);
            }
            activations.release(cl);
            buffers = null;
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
            for (Buffer b : angles.values()) {
                cl.release(b);
            }
            for (Buffer b : new Buffer[] {ranges, lists, headSlots, weights}) {
                cl.release(b);
            }
        }
    }
}
