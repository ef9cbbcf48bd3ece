package org.llmexplorer.engine.oracle;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * llama.cpp's own CPU kernels, called in process: the ggml CPU library that node-llama-cpp ships
 * for x86-64 Linux (one build per instruction set), in the variant ggml itself loads on this
 * machine (the highest {@code ggml_backend_score}). Test only, as {@link LlamaOracle}: it lets a
 * test put one operation of ours beside llama.cpp's, where the oracle only shows whole models.
 */
final class GgmlKernels implements AutoCloseable {
    static final Path BINS = Path.of("scripts", "llama-oracle", "node_modules", "@node-llama-cpp", "linux-x64", "bins",
            "linux-x64");
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor QUANTIZE = FunctionDescriptor.ofVoid(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
    private static final FunctionDescriptor VEC_DOT = FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT);

    private final Arena arena;
    private final SymbolLookup lib;
    final String variant;

    private GgmlKernels(Arena arena, SymbolLookup lib, String variant) {
        this.arena = arena;
        this.lib = lib;
        this.variant = variant;
    }

    /** The loaded CPU library (for {@link GgmlGraph}). */
    SymbolLookup lib() {
        return lib;
    }

    /** Why the kernels are not here, or null when they are. */
    static String missing() {
        if (!System.getProperty("os.name").startsWith("Linux") || !System.getProperty("os.arch").equals("amd64")) {
            return "ggml's CPU libraries are taken from node-llama-cpp's x86-64 Linux build";
        }
        return Files.isDirectory(BINS) ? null : "node-llama-cpp is not installed (run: cd scripts/llama-oracle && npm ci)";
    }

    /** The build ggml would load here. */
    static GgmlKernels best() throws IOException {
        String best = null;
        int bestScore = 0;
        for (String v : variants()) {
            try (Arena probe = Arena.ofConfined()) {
                int score = (int) call(SymbolLookup.libraryLookup(BINS.resolve(v), probe), "ggml_backend_score",
                        FunctionDescriptor.of(ValueLayout.JAVA_INT));
                if (score > bestScore) {
                    bestScore = score;
                    best = v;
                }
            }
        }
        if (best == null) {
            throw new IllegalStateException("no ggml CPU build in " + BINS + " runs on this machine");
        }
        return open(best);
    }

    /** One named build (e.g. "x64", the generic one without SIMD). */
    static GgmlKernels open(String library) {
        Arena arena = Arena.ofShared();
        SymbolLookup lib = SymbolLookup.libraryLookup(BINS.resolve(library), arena);
        call(lib, "ggml_cpu_init", FunctionDescriptor.ofVoid()); // ggml's tables (fp16, GELU) as llama.cpp sets them up
        return new GgmlKernels(arena, lib, library.replace("libggml-cpu-", "").replace(".so", ""));
    }

    static List<String> variants() throws IOException {
        try (Stream<Path> s = Files.list(BINS)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("libggml-cpu-") && n.endsWith(".so"))
                    .sorted().toList();
        }
    }

    /** ggml's quantize_row_{type}: n floats to the activation format's blocks. */
    byte[] quantize(String type, float[] x) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment out = a.allocate(x.length * 2L, 64); // larger than any 8-bit format's blocks
            invoke(handle("quantize_row_" + type, QUANTIZE), in, out, (long) x.length);
            return out.asSlice(0, bytes(type, x.length)).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** ggml_vec_dot_{kernel}: one row of n weights (at row) with activations already in the kernel's format. */
    float dot(String kernel, int n, MemorySegment row, byte[] activations) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(ValueLayout.JAVA_FLOAT);
            MemorySegment y = a.allocate(activations.length, 64);
            y.copyFrom(MemorySegment.ofArray(activations));
            MemorySegment w = a.allocate(row.byteSize(), 64);
            w.copyFrom(row);
            invoke(handle("ggml_vec_dot_" + kernel, VEC_DOT), n, s, 0L, w, 0L, y, 0L, 1);
            return s.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    /** ggml's softmax of a row as its soft_max op computes it: y = exp(x - max), summed in double, scaled by 1 / sum. */
    float[] softmax(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment in = a.allocateFrom(ValueLayout.JAVA_FLOAT, x);
            MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT, x.length);
            double sum = (double) invoke(handle("ggml_vec_soft_max_f32", FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_FLOAT)), x.length, out, in,
                    max);
            float scale = (float) (1.0 / sum);
            float[] y = out.toArray(ValueLayout.JAVA_FLOAT);
            for (int i = 0; i < y.length; i++) {
                y[i] *= scale;
            }
            return y;
        }
    }

    static long bytes(String type, int n) {
        return switch (type) {
            case "q8_0" -> n / 32 * 34L;
            case "q8_1" -> n / 32 * 36L;
            case "q8_K" -> n / 256 * 292L; // float d, 256 codes, 16 sums of 16
            default -> throw new IllegalArgumentException(type);
        };
    }

    private MethodHandle handle(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(lib.find(name).orElseThrow(() -> new IllegalStateException(name + " not in " + variant)), d);
    }

    private static Object call(SymbolLookup lib, String name, FunctionDescriptor d) {
        MethodHandle h = LINKER.downcallHandle(lib.find(name).orElseThrow(), d);
        return invoke(h);
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
        arena.close();
    }
}
