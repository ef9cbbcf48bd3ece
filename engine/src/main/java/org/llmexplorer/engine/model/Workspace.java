package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * Where one conversation's forward passes run: the buffers a backend owns for it (activations,
 * logits and its KV cache) and the operations {@link Transformer#forward}, the one recipe, applies
 * to them. On the CPU ({@link HostWorkspace}) a buffer is a float array and an operation a call
 * into a {@link org.llmexplorer.engine.compute.Compute}; a device keeps its buffers in device
 * memory, its weights uploaded once, and runs a kernel per operation. An operation a device lacks
 * goes through {@link HostFallback}, the one place that reads back, runs on the CPU and uploads.
 *
 * <p>Vectors are stored row after row: a batch of n vectors of width d is n * d floats. Weights
 * are named by the host's objects ({@link WeightMatrix}, float[]); a device looks up its copy.
 */
public interface Workspace {

    /** The operations besides matrix products and attention, for a device to say which it runs. */
    enum Op { RMS_NORM, LAYER_NORM, ROPE, SCALE, BIAS, ADD, GELU, GEGLU, SWIGLU, SOFTCAP }

    /** A device ran out of memory during a pass: the conversation goes on on the CPU. */
    final class OutOfMemory extends IllegalStateException {
        public OutOfMemory(String message) {
            super(message);
        }
    }

    /** The activations of a pass of up to {@code batch} tokens. */
    record Buffers(Buffer x, Buffer xb, Buffer q, Buffer k, Buffer v, Buffer att, Buffer proj, Buffer hb, Buffer hb2) {
    }

    /** One layer's attention in a pass: the queries' positions, the masks, the score's scale and soft-cap. */
    record Attention(int layer, int count, int startPos, MaskPlan masks, float scale, float softcap, Probe probe) {
    }

    /** The activations, grown to hold a pass of {@code count} tokens (x: residual stream, xb: a block's normalised input, ...). */
    Buffers buffers(int count);

    /** Room for the logits of n tokens, vocabulary values per token. */
    Buffer logits(int n);

    // ---- moving values between the host and the backend -------------------------------------

    /** to[toOff ..] = n floats of b from offset off (waits for the operations before it). */
    void read(Buffer b, int off, float[] to, int toOff, int n);

    /** n floats of from[fromOff ..] into b at offset off. */
    void write(float[] from, int fromOff, Buffer b, int off, int n);

    /** n floats from a (at aOff) into b (at bOff). */
    void copy(Buffer a, int aOff, Buffer b, int bOff, int n);

    // ---- the operations of the recipe ----------------------------------------------------------

    /** out[t * w.rows() + r] = row r of w . in[t * w.cols() ..], for t &lt; batch. */
    void matmul(WeightMatrix w, Buffer in, int batch, Buffer out);

    /** x[t * n + i] += bias[i] for each of batch vectors of n values. */
    void addBias(Buffer x, float[] bias, int batch, int n);

    /** out = RMSNorm of each of batch vectors of dim values of x, times weight (out may be x). */
    void rmsNorm(Buffer out, Buffer x, float[] weight, int batch, int dim, float eps);

    /** out = LayerNorm of each vector of x, times weight, plus bias (may be null). */
    void layerNorm(Buffer out, Buffer x, float[] weight, float[] bias, int batch, int dim, float eps);

    /** Rotates count tokens of heads x headDim values of v by their positions startPos.. */
    void rope(Buffer v, Rope rope, int count, int startPos, int heads, int headDim);

    /** x[i] *= factor for i &lt; n. */
    void scale(Buffer x, float factor, int n);

    /** y[i] += x[i] for i &lt; n. */
    void add(Buffer y, Buffer x, int n);

    /** x[i] = gelu(x[i]) for i &lt; n. */
    void gelu(Buffer x, int n);

    /** gate[i] = gelu(gate[i]) * up[i]. */
    void geglu(Buffer gate, Buffer up, int n);

    /** gate[i] = silu(gate[i]) * up[i]. */
    void swiglu(Buffer gate, Buffer up, int n);

    /** x[i] = cap * tanh(x[i] / cap) for i &lt; n. */
    void softcap(Buffer x, int n, float cap);

    /** Stores count new keys and values (count x kvDim each) of a layer in the cache at positions startPos.. */
    void store(int layer, Buffer k, Buffer v, int count, int startPos);

    /**
     * out = attention of the pass's queries q (count x qDim) with the cached keys and values
     * their masks allow, and nothing else; the weights of the heads the probe watches go to it.
     */
    void attend(Attention a, Buffer q, Buffer out);

    /** Called once the pass's logits are read: adds the attention work done to the conversation's counters. */
    void finish(InferenceState s);

    // ---- the KV cache between backends ----------------------------------------------------------

    /** Whether this workspace keeps its buffers and cache in the host's arrays (the CPU's). */
    boolean onHost();

    /** Whether a pass of this model on this backend can run here. */
    boolean serves(Object backend, Transformer model, int contextLength);

    /** Whether this backend runs the operation (a device may not); a host runs all. */
    default boolean runs(Op op) {
        return true;
    }

    /** Whether this backend multiplies matrices of this type. */
    default boolean multiplies(GgmlType type) {
        return true;
    }

    /** Copies the cached keys and values of the positions it holds into the conversation's host cache. */
    void copyCacheToHost(KvCache host);

    /** Fills its cache with positions [0, positions) of the host cache (a conversation the CPU ran so far). */
    void copyCacheFromHost(KvCache host, int positions);

    /**
     * Opens a workspace of the same backend and model for another conversation, with positions
     * [0, positions) of this cache copied into it; null when there is no room for it.
     */
    Workspace copyCacheTo(InferenceState target, int positions);

    /** Frees what it holds (device memory); not used again. */
    void release();
}
