package org.llmexplorer.engine.model;

import java.util.Arrays;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.HalfHead;
import org.llmexplorer.engine.compute.Q8_0Head;
import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The CPU's workspace: every buffer is a float array, every operation a call into a
 * {@link Compute} (scalar or SIMD) on those arrays, with nothing copied; the KV cache is the
 * conversation's own {@link KvCache}.
 */
public final class HostWorkspace implements Workspace {
    /** Below this many multiply-adds (bound), attention runs on the calling thread. */
    private static final long SERIAL_ATTENTION_WORK = 1 << 16;

    /** A host buffer: the array itself. */
    record Array(float[] a) implements Buffer {
    }

    private final Compute ops;
    private final InferenceState s;
    private final ModelConfig c;
    private Buffers buffers;
    private int batch;
    private final int[][] keyScratch;     // per worker: allowed keys of one query
    private final float[][] scoreScratch; // per worker: attention scores of one query for each head of a group
    private final long[] pairsByWorker;   // per worker: attended (query, key) pairs
    private long attentionNanos;

    // A half-precision cache's keys and values as floats for the attention kernels, grown with the
    // conversation (not sized to the whole context, which would cost back much of the half saved).
    private float[][] decoded = new float[2][0]; // a layer's, for a prompt

    /** Positions the scratch is made for: the length, rounded up so it grows now and then, not every token. */
    private static int room(int length, int capacity) {
        return Math.min(capacity, (length + 255) / 256 * 256);
    }

    private float[][] decoded(KvCache cache, int length) {
        int positions = room(length, cache.capacity);
        int keys = KvCache.span(positions, cache.headDim) * (cache.kvDim / cache.headDim);
        if (decoded[0].length < keys) {
            decoded = new float[][] {new float[keys], new float[positions * cache.kvDim]};
        }
        return decoded;
    }

    HostWorkspace(Compute ops, InferenceState s, int batch) {
        this.ops = ops;
        this.s = s;
        this.c = s.config();
        int workers = Math.max(1, ops.threads());
        int context = s.contextLength();
        keyScratch = new int[workers][context];
        scoreScratch = new float[workers][Math.max(context, 64) * (c.heads() / c.kvHeads())];
        pairsByWorker = new long[workers];
        buffers(Math.max(1, batch));
    }

    /** The same arrays and cache, operated on by another CPU backend. */
    HostWorkspace on(Compute other) {
        HostWorkspace w = new HostWorkspace(other, s, 1);
        w.buffers = buffers;
        w.batch = batch;
        return w;
    }

    @Override
    public Buffers buffers(int count) {
        if (count > batch) {
            batch = count;
            buffers = new Buffers(array(c.dim()), array(c.dim()), array(c.qDim()), array(c.kvDim()), array(c.kvDim()),
                    array(c.qDim()), array(c.dim()), array(c.ffnDim()), array(c.ffnDim()));
        }
        return buffers;
    }

    private Array array(int width) {
        return new Array(new float[batch * width]);
    }

    @Override
    public Buffer logits(int n) {
        return new Array(s.logitsFor(n)); // the conversation's own logits: read() then copies nothing
    }

    private static float[] a(Buffer b) {
        return ((Array) b).a;
    }

    @Override
    public void read(Buffer b, int off, float[] to, int toOff, int n) {
        if (a(b) != to || off != toOff) {
            System.arraycopy(a(b), off, to, toOff, n);
        }
    }

    @Override
    public void write(float[] from, int fromOff, Buffer b, int off, int n) {
        System.arraycopy(from, fromOff, a(b), off, n);
    }

    @Override
    public void copy(Buffer x, int xOff, Buffer y, int yOff, int n) {
        System.arraycopy(a(x), xOff, a(y), yOff, n);
    }

    @Override
    public void matmul(WeightMatrix w, Buffer in, int batch, Buffer out) {
        ops.matmul(w, a(in), batch, a(out));
    }

    @Override
    public void addBias(Buffer x, float[] bias, int batch, int n) {
        ops.addBias(a(x), bias, batch, n);
    }

    @Override
    public void rmsNorm(Buffer out, Buffer x, float[] weight, int batch, int dim, float eps) {
        ops.rmsNorm(a(out), a(x), weight, batch, dim, eps);
    }

    @Override
    public void layerNorm(Buffer out, Buffer x, float[] weight, float[] bias, int batch, int dim, float eps) {
        ops.layerNorm(a(out), a(x), weight, bias, batch, dim, eps);
    }

    @Override
    public void rope(Buffer v, Rope rope, int count, int startPos, int heads, int headDim) {
        float[] cos = new float[rope.pairs()];
        float[] sin = new float[rope.pairs()];
        for (int t = 0; t < count; t++) {
            rope.angles(startPos + t, cos, sin);
            rope.apply(a(v), t * heads * headDim, heads, headDim, cos, sin);
        }
    }

    @Override
    public void scale(Buffer x, float factor, int n) {
        float[] v = a(x);
        for (int i = 0; i < n; i++) {
            v[i] *= factor;
        }
    }

    @Override
    public void add(Buffer y, Buffer x, int n) {
        ops.axpy(1f, a(x), 0, a(y), 0, n);
    }

    @Override
    public void gelu(Buffer x, int n) {
        ops.gelu(a(x), n);
    }

    @Override
    public void geglu(Buffer gate, Buffer up, int n) {
        ops.geglu(a(gate), a(up), n);
    }

    @Override
    public void swiglu(Buffer gate, Buffer up, int n) {
        ops.swiglu(a(gate), a(up), n);
    }

    @Override
    public void softcap(Buffer x, int n, float cap) {
        ops.softcap(a(x), 0, n, cap);
    }

    @Override
    public void store(int layer, Buffer k, Buffer v, int count, int startPos) {
        s.cache.store(layer, a(k), a(v), count, startPos);
    }

    /**
     * Scaled dot-product attention of each new query with the keys its mask allows, and nothing
     * else: the mask lists the allowed keys, so masked pairs cost nothing. A task is one query
     * token and one key/value head with the query heads that read it (grouped-query attention):
     * heads of the group under the same mask are computed together, sharing every key and value
     * loaded ({@link Compute#attend}); a head under another mask goes on its own. Keys exist for
     * every position up to the end of this pass.
     */
    @Override
    public void attend(Attention at, Buffer queries, Buffer output) {
        long t0 = System.nanoTime();
        int layer = at.layer();
        int headDim = c.headDim();
        int kvHeads = c.kvHeads();
        int group = c.heads() / kvHeads;
        KvCache cache = s.cache;
        int length = at.startPos() + at.count();
        boolean half = cache.type == KvCache.Type.F16;
        boolean q8 = cache.type == KvCache.Type.Q8_0;
        // keys of one head lie in a run this long: the cache's own, or the decoded layer's, as long as the text
        int headSpan = half ? KvCache.span(room(length, cache.capacity), headDim) : cache.headSpan;
        int valueSpan = half ? room(length, cache.capacity) * headDim : cache.valueSpan;
        float[] q = a(queries);
        // As llama.cpp's flash attention over a half-precision or Q8_0 cache: the queries rounded
        // as its products with such keys round them (to half precision; to Q8_0), and over a half
        // cache the weights rounded to half too (it adds up F16 values in half precision). For one
        // new token the kernel reads a half cache's head in place, widening a window of positions
        // at a time; for a prompt the layer is decoded to floats once, up front. A Q8_0 cache is
        // read in place.
        boolean inPlace = half && at.count() == 1;
        float[] layerKeys = half || q8 ? null : cache.keys[layer];
        float[] layerValues = half || q8 ? null : cache.values[layer];
        if (half) {
            Compute.roundToHalf(q, 0, at.count() * c.qDim());
            if (!inPlace) {
                float[][] d = decoded(cache, length);
                ops.parallelFor(kvHeads, (h, worker) -> cache.decode(layer, h, length, d[0], headSpan, d[1], valueSpan));
                layerKeys = d[0];
                layerValues = d[1];
            }
        } else if (q8) {
            ActivationRounding.Q8_0.apply(q, 0, at.count() * c.qDim(), q, 0);
        }
        float[] keysOfLayer = layerKeys;
        float[] valuesOfLayer = layerValues;
        float[] out = a(output);
        Probe probe = at.probe();

        Parallel.Task perGroup = (task, worker) -> {
            int t = task / kvHeads;
            int kvHead = task % kvHeads;
            int query = at.startPos() + t;
            int[] allowed = keyScratch[worker];
            float[] scores = scoreScratch[worker];
            int keyBase = kvHead * headSpan;
            int valueBase = kvHead * valueSpan;
            Q8_0Head kv = q8 ? cache.q8Head(layer, kvHead) : null; // the head's codes, read in place
            HalfHead halves = inPlace ? cache.halfHead(layer, kvHead) : null;
            int first = kvHead * group;
            for (int head = first; head < first + group; ) {
                AttentionMask mask = at.masks().mask(layer, head);
                int heads = 1;
                while (head + heads < first + group && at.masks().mask(layer, head + heads).equals(mask)) {
                    heads++;
                }
                int n = mask.keys(query, length, allowed);
                pairsByWorker[worker] += (long) n * heads;
                boolean watched = false;
                for (int h = head; h < head + heads && probe != null; h++) {
                    watched |= probe.recordsAttention(layer, h);
                }
                int qOff = t * c.qDim() + head * headDim;
                if (q8) {
                    ops.attendQ8_0(q, qOff, heads, kv, allowed, n, at.scale(), at.softcap(), out, qOff, scores,
                            watched);
                } else if (inPlace) {
                    ops.attendF16(q, qOff, heads, halves, allowed, n, at.scale(), at.softcap(), out, qOff, scores);
                } else if (half) {
                    ops.attendHalfWeights(q, qOff, heads, headDim, keysOfLayer, keyBase, valuesOfLayer, valueBase,
                            headDim, allowed, n, at.scale(), at.softcap(), out, qOff, scores);
                } else {
                    ops.attend(q, qOff, heads, headDim, keysOfLayer, keyBase, valuesOfLayer, valueBase, headDim,
                            allowed, n, at.scale(), at.softcap(), out, qOff, scores, watched);
                }
                for (int h = head; watched && h < head + heads; h++) {
                    if (probe.recordsAttention(layer, h)) {
                        probe.attention(layer, h, query, allowed,
                                Arrays.copyOfRange(scores, (h - head) * n, (h - head + 1) * n), n);
                    }
                }
                head += heads;
            }
        };
        int tasks = at.count() * kvHeads;
        if ((long) at.count() * c.heads() * length * headDim < SERIAL_ATTENTION_WORK) {
            for (int task = 0; task < tasks; task++) { // waking the other threads would cost more
                perGroup.run(task, 0);
            }
        } else {
            ops.parallelFor(tasks, perGroup);
        }
        attentionNanos += System.nanoTime() - t0;
    }

    @Override
    public void finish(InferenceState state) {
        long pairs = 0;
        for (int w = 0; w < pairsByWorker.length; w++) {
            pairs += pairsByWorker[w];
            pairsByWorker[w] = 0;
        }
        state.countAttention(pairs, attentionNanos);
        attentionNanos = 0;
    }

    @Override
    public boolean onHost() {
        return true;
    }

    @Override
    public boolean serves(Object backend, Transformer model, int contextLength) {
        return backend == ops;
    }

    @Override
    public void copyCacheToHost(KvCache host) {
        // the host cache is this workspace's cache
    }

    @Override
    public void copyCacheFromHost(KvCache host, int positions) {
    }

    @Override
    public Workspace copyCacheTo(InferenceState target, int positions) {
        return null; // host caches are copied array to array (InferenceState.copyCacheFrom)
    }

    @Override
    public void release() {
    }
}
