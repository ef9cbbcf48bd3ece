package org.llmexplorer.engine.compute.simd;

import static org.llmexplorer.engine.compute.simd.Lanes.F;
import static org.llmexplorer.engine.compute.simd.Lanes.L;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.FastExp;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.HalfHead;
import org.llmexplorer.engine.compute.Q8_0Head;
import org.llmexplorer.engine.compute.ScalarCompute;
import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.Q8_1Activations;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The CPU fast path: Vector API kernels (lane count from the hardware) spread over a thread pool.
 * Quantized weights are consumed block by block inside the dot products; nothing is dequantized
 * whole and nothing is allocated per token.
 */
public final class SimdCompute implements Compute {
    /**
     * Fewest rows handed to a thread at a time. Chunks are as large as load balance allows (about
     * four per thread): a thread streaming one long contiguous run of weights keeps the hardware
     * prefetchers ahead of it, which small interleaved chunks defeat (Q8_0 matvec: 27 GB/s with
     * 16-row chunks, 44 GB/s with 256-row chunks on the 2-core development machine).
     */
    private static final int MIN_ROW_CHUNK = 16;
    /** Floats of transposed activations kept between products (a pass of 128 tokens of 8192 columns: 1M). */
    private static final int MAX_KEPT_TRANSPOSED = 1 << 20;
    /** Below this many multiply-adds a matmul stays on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1 << 15;

    private final Parallel parallel;
    private final Map<GgmlType, RowKernel> kernels = new EnumMap<>(GgmlType.class);
    private float[] rounded = new float[0];
    /** Per thread: a tile of weight rows widened to floats, for prompt batches. */
    private final float[][] rowBuffers;
    /** A prompt's activations in whole token groups, transposed for {@link FloatTiles#tile8xGroup}. */
    private float[] transposed;
    /**
     * Where the repacked matrices live: freed by {@link #close}, not left to the garbage collector,
     * which native memory does not prompt (a window switching backends would pile copies up).
     */
    private final Arena groupMemory = Arena.ofShared();
    /** Q4_0, Q8_0 and K-quant matrices repacked on first use, by the bytes they were made from. */
    private final Map<Packed, RowGroups> grouped = new HashMap<>();
    private final ActivationCodes q8_0 = new ActivationCodes.Q8_0();
    private final ActivationCodes q8_K = new ActivationCodes.Q8_K();
    /** Per thread: buffers of {@link RowGroups#tiled}. */
    private final RowGroups.Scratch[] scratch;
    /** Output with room for whole row groups, where a matrix's rows are not a multiple of the group. */
    private float[] padded = new float[0];

    /** Where a weight matrix's bytes are: its scope tells apart files mapped at the same address in turn. */
    private record Packed(long address, long size, MemorySegment.Scope scope) {
        static Packed of(WeightMatrix w) {
            return new Packed(w.data().address(), w.byteSize(), w.data().scope());
        }
    }

    /** Whether attention over a float cache stages it a window at a time ({@link AttentionKernel#STAGE_FLOATS}). */
    private boolean stageFloats = AttentionKernel.STAGE_FLOATS;

    /**
     * Stages attention's float keys and values a window at a time, or reads them in place (the
     * same bits either way); by default as {@link AttentionKernel#STAGE_FLOATS} says for this
     * machine. For tests and measurements of both. Returns this backend.
     */
    public SimdCompute stageFloatCache(boolean stage) {
        this.stageFloats = stage;
        return this;
    }

    /** Whether attention over a float cache stages it ({@link #stageFloatCache}). */
    public boolean stagesFloatCache() {
        return stageFloats;
    }

    public SimdCompute(int threads) {
        if (!Lanes.usable()) {
            throw new IllegalStateException("this CPU offers fewer than 4 float SIMD lanes");
        }
        this.parallel = new Parallel(threads);
        this.rowBuffers = new float[threads][0];
        this.scratch = new RowGroups.Scratch[threads];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new RowGroups.Scratch();
        }
        kernels.put(GgmlType.F32, new F32Kernel());
        kernels.put(GgmlType.F16, new HalfKernel(false));
        kernels.put(GgmlType.BF16, new HalfKernel(true));
        // The IQ4_NL kernel widens as many bytes as there are float lanes, at least 8.
        boolean wide = L >= 8;
        for (GgmlType t : new GgmlType[] {GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1}) {
            kernels.put(t, new Legacy32Kernel(t));
        }
        kernels.put(GgmlType.IQ4_NL, wide ? new IQ4_NLKernel() : new BlockKernel(TensorFormats.of(GgmlType.IQ4_NL)));
    }

    /** Float lanes per vector on this machine. */
    public static int lanes() {
        return L;
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int threads() {
        return parallel.threads();
    }

    @Override
    public boolean supports(Op op, GgmlType type) {
        return op != Op.MATMUL || RowGroups.handles(type) || kernels.containsKey(type);
    }

    @Override
    public void matmul(WeightMatrix w, float[] x, int batch, float[] out) {
        if (RowGroups.handles(w.type())) {
            rowGroups(w, x, batch, out);
            return;
        }
        RowKernel kernel = kernels.get(w.type());
        if (kernel == null) {
            throw new UnsupportedOperationException("no SIMD kernel for " + w.type() + " (" + w.name() + ")");
        }
        float[] input = roundActivations(w.type(), x, batch * w.cols());
        int rows = w.rows();
        boolean tiled = batch >= 4;
        if (tiled) {
            growRowBuffers(RowKernel.bufferSize(w.cols()));
        }
        boolean single = (long) rows * w.cols() * batch < PARALLEL_THRESHOLD || parallel.threads() == 1;
        int chunk = single ? rows : Math.max(MIN_ROW_CHUNK, rows / (4 * parallel.threads()));
        int chunks = (rows + chunk - 1) / chunk;
        // Two loops, not one with a branch: each lambda is compiled on its own (see RowKernel).
        if (tiled) {
            float[] xT = batch >= FloatTiles.GROUP && FloatTiles.BROADCAST_TILE
                    ? transposed = FloatTiles.transposeGroups(input, batch, w.cols(), transposed) : null;
            parallel.forEach(chunks, (c, worker) -> kernel.tiled(w, c * chunk, Math.min(rows, (c + 1) * chunk), input,
                    xT, batch, out, rowBuffers[worker]));
            if (transposed != null && transposed.length > MAX_KEPT_TRANSPOSED) {
                transposed = null; // an unusually long pass (a perplexity window) does not keep its buffer
            }
        } else {
            parallel.forEach(chunks, (c, worker) ->
                    kernel.matvec(w, c * chunk, Math.min(rows, (c + 1) * chunk), input, batch, out));
        }
        if (Q8_1Activations.applies(w.type())) {
            Q8_1Activations.addMinimumTerms(w, x, input, batch, out);
        }
    }

    private void growRowBuffers(int size) {
        if (rowBuffers[0].length < size) {
            for (int i = 0; i < rowBuffers.length; i++) {
                rowBuffers[i] = new float[size];
            }
        }
    }

    @Override
    public void prepare(WeightMatrix w) {
        if (RowGroups.handles(w.type())) {
            groups(w);
        }
    }

    /** How many matrices are repacked (for tests). */
    int packedMatrices() {
        return grouped.size();
    }

    /** w's row groups, packed now if they are not yet. */
    private RowGroups groups(WeightMatrix w) {
        grouped.keySet().removeIf(p -> !p.scope().isAlive());
        return grouped.computeIfAbsent(Packed.of(w), p -> {
            RowGroups packed = RowGroups.pack(w, parallel, groupMemory);
            KernelWarmUp.compileKernels(packed); // once per type, when its first matrix is packed
            return packed;
        });
    }

    /**
     * Q4_0, Q8_0 and the K-quants through their repacked row groups (see {@link RowGroups}): one to three
     * tokens in 8-bit integer codes, each on its own; more tokens through the groups' tiles.
     */
    private void rowGroups(WeightMatrix w, float[] x, int batch, float[] out) {
        RowGroups g = groups(w);
        int cols = w.cols();
        int rows = g.paddedRows();
        float[] target = rows == w.rows() ? out : (padded = padded.length < batch * rows ? new float[batch * rows] : padded);
        boolean single = (long) rows * cols * batch < PARALLEL_THRESHOLD || parallel.threads() == 1;
        int chunk = single ? g.groups : Math.max(1, g.groups / (4 * parallel.threads()));
        int chunks = (g.groups + chunk - 1) / chunk;
        ActivationCodes codes = g.superBlocks() ? q8_K : q8_0;
        if (batch < 4) {
            for (int t = 0; t < batch; t++) {
                codes.quantize(x, t * cols, cols);
                g.prepare(codes, cols);
                int o = t * rows;
                parallel.forEach(chunks, (c, worker) -> g.matvec(c * chunk, Math.min(g.groups, (c + 1) * chunk), codes,
                        target, o));
            }
        } else {
            codes.quantize(x, 0, batch * cols);
            float[] tokens = g.tokens(codes, batch * cols);
            parallel.forEach(chunks, (c, worker) -> g.tiled(c * chunk, Math.min(g.groups, (c + 1) * chunk), codes, tokens,
                    batch, target, scratch[worker]));
        }
        if (target != out) {
            for (int t = 0; t < batch; t++) {
                System.arraycopy(target, t * rows, out, t * w.rows(), w.rows());
            }
        }
    }

    /**
     * The activations as llama.cpp's dot product for this weight type sees them (see
     * ActivationRounding); the 8-bit roundings through the same codes the row groups multiply.
     */
    private float[] roundActivations(GgmlType type, float[] x, int n) {
        ActivationRounding rounding = ActivationRounding.forWeights(type);
        if (rounding == ActivationRounding.NONE && ActivationRounding.scaleJitter() == 1f) {
            return x;
        }
        if (rounding == ActivationRounding.Q8_0 || rounding == ActivationRounding.Q8_K) {
            ActivationCodes codes = rounding == ActivationRounding.Q8_0 ? q8_0 : q8_K;
            codes.quantize(x, 0, n);
            return codes.values(n);
        }
        if (rounded.length < n) {
            rounded = new float[n];
        }
        rounding.apply(x, 0, n, rounded, 0);
        return rounded;
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int batch, int dim, float eps) {
        for (int t = 0; t < batch; t++) {
            int o = t * dim;
            float scale = ScalarCompute.rmsScale(x, o, dim, eps);
            int i = 0;
            for (; i + L <= dim; i += L) {
                FloatVector v = FloatVector.fromArray(F, x, o + i).mul(scale).mul(FloatVector.fromArray(F, weight, i));
                v.intoArray(out, o + i);
            }
            for (; i < dim; i++) {
                out[o + i] = x[o + i] * scale * weight[i];
            }
        }
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = Lanes.sum(acc);
        for (; i < n; i++) {
            sum += a[aOff + i] * b[bOff + i];
        }
        return sum;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xOff + i).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void attend(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase, float[] values,
                       int valueBase, int valueStride, int[] allowed, int n, float scale, float softcap,
                       float[] out, int outOff, float[] scores, boolean keepWeights) {
        AttentionKernel.attend(this, q, qOff, heads, headDim, keys, keyBase, values, valueBase, valueStride, null,
                allowed, n, scale, softcap, out, outOff, scores, keepWeights, false, stageFloats);
    }

    @Override
    public void attendQ8_0(float[] q, int qOff, int heads, Q8_0Head kv, int[] allowed, int n, float scale,
                           float softcap, float[] out, int outOff, float[] scores, boolean keepWeights) {
        AttentionKernel.attend(this, q, qOff, heads, kv.headDim(), null, 0, null, 0, 0, kv, allowed, n, scale, softcap,
                out, outOff, scores, keepWeights, false, false);
    }

    @Override
    public void attendF16(float[] q, int qOff, int heads, HalfHead kv, int[] allowed, int n, float scale,
                          float softcap, float[] out, int outOff, float[] scores) {
        AttentionKernel.attendHalfCache(this, q, qOff, heads, kv, allowed, n, scale, softcap, out, outOff, scores);
    }

    @Override
    public void attendHalfWeights(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                                  float[] values, int valueBase, int valueStride, int[] allowed, int n, float scale,
                                  float softcap, float[] out, int outOff, float[] scores) {
        AttentionKernel.attend(this, q, qOff, heads, headDim, keys, keyBase, values, valueBase, valueStride, null,
                allowed, n, scale, softcap, out, outOff, scores, true, true, stageFloats);
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        FloatVector maxV = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) {
            maxV = maxV.max(FloatVector.fromArray(F, x, off + i));
        }
        float max = maxV.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0; // in double, as ggml sums it
        for (i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] *= inv;
        }
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        // FastExp, not lanewise(EXP): the vector exp differs between the interpreter and the JIT,
        // and results must not depend on how warm the JVM is. (Math.exp per element took 3% of a
        // prompt at one thread.)
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, i);
            g.div(FastExp.exp(g.neg()).add(1f)).mul(FloatVector.fromArray(F, up, i)).intoArray(gate, i);
        }
        for (; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + FastExp.scalar(-g)) * up[i];
        }
    }

    @Override
    public void parallelFor(int n, Parallel.Task body) {
        parallel.forEach(n, body);
    }

    @Override
    public void close() {
        grouped.clear();
        parallel.close();
        if (groupMemory.scope().isAlive()) { // on the caller's thread, after its last product: nothing reads them now
            groupMemory.close();
        }
    }
}
