package org.llmexplorer.engine.oracle;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;

/**
 * A ggml compute graph built op by op through the FFM API, with the ggml build {@link GgmlKernels}
 * loaded: llama.cpp's own operations (the ones its model graphs are made of) on values a test
 * gives, so that a test can put one block of a layer beside ours. Test only.
 */
final class GgmlGraph implements AutoCloseable {
    static final int F32 = 0;
    static final int F16 = 1;
    static final int Q8_0 = 8;
    static final int I32 = 26;
    /** rope_ext's mode for rotating adjacent pairs (llama). */
    static final int ROPE_NORMAL = 0;
    /** rope_ext's mode for rotating the two halves of a head (GPT-NeoX; gemma, qwen2, phi3). */
    static final int ROPE_NEOX = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final AddressLayout A = ValueLayout.ADDRESS;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** The operations used, by name, as ggml.h declares them. */
    private static final Map<String, FunctionDescriptor> OPS = Map.ofEntries(
            Map.entry("rms_norm", FunctionDescriptor.of(A, A, A, F)),
            Map.entry("mul", FunctionDescriptor.of(A, A, A, A)),
            Map.entry("add", FunctionDescriptor.of(A, A, A, A)),
            Map.entry("mul_mat", FunctionDescriptor.of(A, A, A, A)),
            Map.entry("reshape_3d", FunctionDescriptor.of(A, A, A, J, J, J)),
            Map.entry("rope_ext", FunctionDescriptor.of(A, A, A, A, A, I, I, I, F, F, F, F, F, F)),
            Map.entry("scale", FunctionDescriptor.of(A, A, A, F)),
            Map.entry("permute", FunctionDescriptor.of(A, A, A, I, I, I, I)),
            Map.entry("cont", FunctionDescriptor.of(A, A, A)),
            Map.entry("cont_2d", FunctionDescriptor.of(A, A, A, J, J)),
            Map.entry("tanh", FunctionDescriptor.of(A, A, A)),
            Map.entry("soft_max_ext", FunctionDescriptor.of(A, A, A, A, F, F)),
            Map.entry("geglu_split", FunctionDescriptor.of(A, A, A, A)),
            Map.entry("cpy", FunctionDescriptor.of(A, A, A, A)),
            Map.entry("flash_attn_ext", FunctionDescriptor.of(A, A, A, A, A, A, F, F, F)));

    private final SymbolLookup base;
    private final SymbolLookup cpu;
    private final Arena arena = Arena.ofConfined();
    private final Map<String, MethodHandle> handles = new HashMap<>();
    private final MemorySegment ctx;

    /** A graph context of {@code bytes} for tensors and graph, with the kernels' ggml build. */
    GgmlGraph(GgmlKernels kernels, long bytes) {
        this.cpu = kernels.lib();
        this.base = SymbolLookup.libraryLookup(GgmlKernels.BINS.resolve("libggml-base.so"), arena);
        StructLayout params = MemoryLayout.structLayout(J, A, ValueLayout.JAVA_BOOLEAN, MemoryLayout.paddingLayout(7));
        MemorySegment p = arena.allocate(params);
        p.set(J, 0, bytes);
        p.set(A, 8, MemorySegment.NULL);
        p.set(ValueLayout.JAVA_BOOLEAN, 16, false);
        this.ctx = (MemorySegment) call(base, "ggml_init", FunctionDescriptor.of(A, params), p);
    }

    /** ggml_{name}(ctx, args...): a new node of the graph. */
    MemorySegment op(String name, Object... args) {
        MethodHandle h = handles.computeIfAbsent(name, n -> handle(base, "ggml_" + n, OPS.get(n)));
        Object[] all = new Object[args.length + 1];
        all[0] = ctx;
        System.arraycopy(args, 0, all, 1, args.length);
        return (MemorySegment) invoke(h, all);
    }

    /** A new tensor of a ggml type and up to four dimensions, innermost first. */
    MemorySegment tensor(int type, long... ne) {
        long[] n = {1, 1, 1, 1};
        System.arraycopy(ne, 0, n, 0, ne.length);
        return (MemorySegment) call(base, "ggml_new_tensor_4d", FunctionDescriptor.of(A, A, I, J, J, J, J), ctx, type,
                n[0], n[1], n[2], n[3]);
    }

    MemorySegment floats(float[] values, long... ne) {
        MemorySegment t = tensor(F32, ne);
        MemorySegment.copy(values, 0, data(t), F, 0, values.length);
        return t;
    }

    /** A model tensor as it is in the file: its type, shape and bytes. */
    MemorySegment weight(GgufFile file, String name) {
        GgufTensorInfo info = file.tensors().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name + " not in the model"));
        MemorySegment t = tensor(info.type().id, info.shape());
        data(t).copyFrom(file.data(info));
        return t;
    }

    /** The positions 0 .. n-1, as rope_ext takes them. */
    MemorySegment positions(int n) {
        MemorySegment t = tensor(I32, n);
        for (int i = 0; i < n; i++) {
            data(t).setAtIndex(ValueLayout.JAVA_INT, i, i);
        }
        return t;
    }

    /** A new half-precision tensor holding these values (rounded as ggml rounds them). */
    MemorySegment halves(float[] values, long... ne) {
        MemorySegment t = tensor(F16, ne);
        MemorySegment d = data(t);
        for (int i = 0; i < values.length; i++) {
            d.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(values[i]));
        }
        return t;
    }

    MemorySegment data(MemorySegment tensor) {
        long bytes = (long) call(base, "ggml_nbytes", FunctionDescriptor.of(J, A), tensor);
        return ((MemorySegment) call(base, "ggml_get_data", FunctionDescriptor.of(A, A), tensor)).reinterpret(bytes);
    }

    /** Computes what the outputs need, on one thread as the oracle runs llama.cpp, and returns each output's floats. */
    float[][] compute(MemorySegment... outputs) {
        MemorySegment graph = (MemorySegment) call(base, "ggml_new_graph", FunctionDescriptor.of(A, A), ctx);
        for (MemorySegment o : outputs) {
            call(base, "ggml_build_forward_expand", FunctionDescriptor.ofVoid(A, A), graph, o);
        }
        int status = (int) call(cpu, "ggml_graph_compute_with_ctx", FunctionDescriptor.of(I, A, A, I), ctx, graph, 1);
        if (status != 0) {
            throw new IllegalStateException("ggml_graph_compute_with_ctx: status " + status);
        }
        float[][] out = new float[outputs.length][];
        for (int i = 0; i < outputs.length; i++) {
            out[i] = data(outputs[i]).toArray(F);
        }
        return out;
    }

    private static MethodHandle handle(SymbolLookup lib, String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException(name + " not found")), d);
    }

    private static Object call(SymbolLookup lib, String name, FunctionDescriptor d, Object... args) {
        return invoke(handle(lib, name, d), args);
    }

    private static Object invoke(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void close() {
        call(base, "ggml_free", FunctionDescriptor.ofVoid(A), ctx);
        arena.close();
    }
}
