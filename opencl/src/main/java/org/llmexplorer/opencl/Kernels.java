package org.llmexplorer.opencl;

import static org.lwjgl.opencl.CL10.CL_KERNEL_WORK_GROUP_SIZE;
import static org.lwjgl.opencl.CL10.clGetKernelWorkGroupInfo;
import static org.lwjgl.opencl.CL10.clReleaseKernel;
import static org.lwjgl.opencl.CL10.clReleaseProgram;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.opencl.ClContext.Buffer;
import org.llmexplorer.opencl.ClContext.Kernel;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * The compiled kernels of {@code kernels/*.cl} and how to launch each on device buffers: the
 * only place that knows their argument lists and work sizes.
 */
final class Kernels implements AutoCloseable {
    /** The program's files, in the order they are joined (later files use earlier ones). */
    static final List<String> FILES = List.of("common.cl", "quantize.cl", "blocks_float.cl", "blocks_legacy.cl",
            "blocks_k.cl", "matmul.cl", "norm.cl", "rope.cl", "activation.cl", "elementwise.cl", "attention.cl");

    /** Weight types with a matmul kernel (reading the GGUF blocks as they are). */
    static final Set<GgmlType> MATMUL_TYPES = EnumSet.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K,
            GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    /** Tokens one pass of the matmul kernel serves (TOKENS_PER_PASS in matmul.cl). */
    private static final int TOKENS_PER_PASS = 4;

    /** Work-items of a group that reduces (a power of two, at most what every kernel allows). */
    final int group;

    /**
     * Work-items that share one row of a matrix product. A GPU wants many (they read the row's
     * blocks side by side and add up in local memory); a CPU device such as PoCL runs a group's
     * work-items one after the other, where the reduction's barriers only cost: one work-item
     * per row there (2.6x the generation speed on PoCL).
     */
    private int matmulGroup;

    private final ClContext cl;
    private final long program;
    private final List<Kernel> all = new ArrayList<>();
    private final Map<GgmlType, Kernel> matmul = new EnumMap<>(GgmlType.class);
    private final Kernel quantizeQ8_0, quantizeQ8_K, roundF16, roundBf16;
    private final Kernel rmsNorm, layerNorm, rope, swiglu, gelu, geglu, softcap, add, addBias, scale;
    private final Kernel softmax, attention, storeHalf;

    Kernels(ClContext cl) {
        this.cl = cl;
        String options = cl.device.correctlyRoundedDivide() ? "-cl-fp32-correctly-rounded-divide-sqrt" : "";
        program = ProgramCache.build(cl.context, cl.device, source(), options);
        for (GgmlType t : MATMUL_TYPES) {
            matmul.put(t, make("matmul_" + t.name().toLowerCase(Locale.ROOT)));
        }
        quantizeQ8_0 = make("quantize_q8_0");
        quantizeQ8_K = make("quantize_q8_k");
        roundF16 = make("round_f16");
        roundBf16 = make("round_bf16");
        rmsNorm = make("rms_norm");
        layerNorm = make("layer_norm");
        rope = make("rope");
        swiglu = make("swiglu");
        gelu = make("gelu");
        geglu = make("geglu");
        softcap = make("softcap");
        add = make("add");
        addBias = make("add_bias");
        scale = make("scale");
        softmax = make("softmax");
        attention = make("attention");
        storeHalf = make("store_half");
        long limit = Math.min(64, cl.device.maxWorkGroupSize());
        for (Kernel k : all) {
            limit = Math.min(limit, workGroupLimit(k));
        }
        group = (int) Long.highestOneBit(Math.max(1, limit));
        matmulGroup = cl.device.type().equals("CPU") ? 1 : group;
    }

    /** Sets the work-items per row of a matrix product (a power of two up to {@link #group}); for tests and tuning. */
    void matmulGroup(int size) {
        matmulGroup = Math.max(1, Math.min(group, Integer.highestOneBit(size)));
    }

    int matmulGroup() {
        return matmulGroup;
    }

    /** The program's source: the files joined, each headed by its name (build errors name the file). */
    static String source() {
        StringBuilder sb = new StringBuilder();
        for (String file : FILES) {
            try (InputStream in = Kernels.class.getResourceAsStream("kernels/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("kernel source " + file + " is missing from the opencl module");
                }
                sb.append("// ---- ").append(file).append('\n')
                        .append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return sb.toString();
    }

    private Kernel make(String name) {
        Kernel k = cl.kernel(program, name);
        all.add(k);
        return k;
    }

    private long workGroupLimit(Kernel k) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenClException.check(clGetKernelWorkGroupInfo(k.handle, cl.device.id(), CL_KERNEL_WORK_GROUP_SIZE, size,
                    null), "querying kernel " + k.name);
            return size.get(0);
        }
    }

    // ---- matrix products ----------------------------------------------------------------------

    /**
     * out[t * rows + r] = row r of w . x[t], t &lt; batch, with x rounded first as llama.cpp
     * rounds activations for this weight type (once per rounding kind: q, k and v share it).
     */
    synchronized void matmul(DeviceMatrix w, Activations x, int batch, Buffer out) {
        ActivationRounding kind = ActivationRounding.forWeights(w.type());
        round(x, kind, batch);
        int block = w.type().blockSize == 256 ? 256 : 32;
        int blocks = (w.cols() + block - 1) / block;
        int size = Math.min(matmulGroup, Integer.highestOneBit(Math.max(1, blocks - 1)) << 1);
        Buffer floats = switch (kind) {
            case NONE -> x.source();
            case F16, BF16 -> x.rounded;
            default -> x.source(); // not read by quantized types
        };
        matmul.get(w.type()).args().mem(w.data()).i32((int) w.type().bytesFor(w.cols())).i32(w.rows()).i32(w.cols())
                .mem(floats).mem(x.codes).mem(x.scales).mem(x.sums).i32(batch).mem(out)
                .local((long) TOKENS_PER_PASS * size * Float.BYTES)
                .run((long) w.rows() * size, size);
    }

    /** Makes x's rounded form for this kind, unless it is already there. */
    private void round(Activations x, ActivationRounding kind, int batch) {
        if (kind == ActivationRounding.NONE || x.ready() == kind) {
            return;
        }
        int n = batch * x.cols();
        float jitter = ActivationRounding.scaleJitter();
        switch (kind) {
            case F16 -> elementwise(roundF16.args().mem(x.source()).mem(x.rounded).i32(n), n);
            case BF16 -> elementwise(roundBf16.args().mem(x.source()).mem(x.rounded).i32(n), n);
            case Q8_0 -> elementwise(quantizeQ8_0.args().mem(x.source()).mem(x.codes).mem(x.scales).mem(x.sums)
                    .i32(n / 32).f32(jitter), n / 32);
            case Q8_K -> elementwise(quantizeQ8_K.args().mem(x.source()).mem(x.codes).mem(x.scales).i32(n / 256)
                    .f32(jitter), n / 256);
            default -> throw new IllegalStateException(kind.name());
        }
        x.ready(kind);
    }

    // ---- normalisation, position, activations -------------------------------------------------

    /** out = rmsnorm of each of vectors of dim values of x, times weight (out may be x). */
    synchronized void rmsNorm(Buffer x, Buffer weight, Buffer out, int vectors, int dim, float eps) {
        rmsNorm.args().mem(x).mem(weight).mem(out).i32(dim).f32(eps).local(group * 8L).run((long) vectors * group, group);
    }

    /** out = layernorm of each vector, times weight, plus bias (when not null). */
    synchronized void layerNorm(Buffer x, Buffer weight, Buffer bias, Buffer out, int vectors, int dim, float eps) {
        layerNorm.args().mem(x).mem(weight).mem(bias == null ? weight : bias).i32(bias == null ? 0 : 1).mem(out)
                .i32(dim).f32(eps).local(group * 8L).run((long) vectors * group, group);
    }

    /** Rotates pairs of each head of each token by the angles in cs (per token: cosines, then sines). */
    synchronized void rope(Buffer v, Buffer cs, int tokens, int heads, int headDim, int pairs, boolean neox) {
        rope.args().mem(v).mem(cs).i32(heads).i32(headDim).i32(pairs).i32(neox ? 1 : 0)
                .run2(pairs, (long) tokens * heads, Math.min(pairs, 64), 1);
    }

    synchronized void swiglu(Buffer gate, Buffer up, int n) {
        elementwise(swiglu.args().mem(gate).mem(up).i32(n), n);
    }

    synchronized void gelu(Buffer x, Buffer table, int n) {
        elementwise(gelu.args().mem(x).mem(table).i32(n), n);
    }

    synchronized void geglu(Buffer gate, Buffer up, Buffer table, int n) {
        elementwise(geglu.args().mem(gate).mem(up).mem(table).i32(n), n);
    }

    synchronized void softcap(Buffer x, float cap, int n) {
        elementwise(softcap.args().mem(x).f32(cap).i32(n), n);
    }

    /** x += y over n values. */
    synchronized void add(Buffer x, Buffer y, int n) {
        elementwise(add.args().mem(x).mem(y).i32(n), n);
    }

    synchronized void addBias(Buffer x, Buffer bias, int width, int n) {
        elementwise(addBias.args().mem(x).mem(bias).i32(width).i32(n), n);
    }

    synchronized void scale(Buffer x, float factor, int n) {
        elementwise(scale.args().mem(x).f32(factor).i32(n), n);
    }

    /** Each of rows rows of n values becomes its softmax. */
    synchronized void softmax(Buffer x, int rows, int n) {
        softmax.args().mem(x).i32(n).local(group * 8L).run((long) rows * group, group);
    }

    /**
     * Attention of count new tokens' queries over the allowed keys of the cache (see attention.cl);
     * returns the launch's event so that its time can be read when the pass ends.
     */
    synchronized long attention(Buffer q, Buffer keys, Buffer values, boolean halfCache, AttentionPlan plan, int layer,
                   Buffer ranges, Buffer lists, Buffer headSlots, Buffer weights, Buffer out, int heads, int group,
                   int headDim, int kvDim, float scoreScale, float softcapValue) {
        return attention.args().mem(q).mem(keys).mem(values).i32(halfCache ? 1 : 0).mem(ranges).mem(lists)
                .mem(headSlots).i32(layer * heads).mem(weights)
                .i32(plan.length()).mem(out).i32(plan.count()).i32(heads).i32(group).i32(headDim).i32(kvDim)
                .f32(scoreScale).f32(softcapValue).local(this.group * 8L)
                .runTimed((long) plan.count() * heads * this.group, this.group);
    }

    /** n floats of x into a half-precision cache from entry at on (rounded to the nearest half). */
    synchronized void storeHalf(Buffer x, Buffer cache, int at, int n) {
        elementwise(storeHalf.args().mem(x).mem(cache).i32(at).i32(n), n);
    }

    private void elementwise(Kernel k, long n) {
        k.run(Math.max(1, n), 64);
    }

    @Override
    public void close() {
        for (Kernel k : all) {
            clReleaseKernel(k.handle);
        }
        clReleaseProgram(program);
    }
}
