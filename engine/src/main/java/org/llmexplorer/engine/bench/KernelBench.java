package org.llmexplorer.engine.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.ScalarCompute;
import org.llmexplorer.engine.sampling.SplitMix64;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.format.Blocks;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * One harness for the matrix kernels: for each weight type, the scalar reference and the
 * backend under test side by side on the same random matrix, their largest difference, and the
 * backend's speed as GB/s of weights streamed and GFLOP/s.
 */
public final class KernelBench {
    private KernelBench() {
    }

    public static List<Map<String, Object>> run(Compute ops, int rows, int cols, int batch, double seconds,
                                                List<GgmlType> types) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (GgmlType type : types) {
            if (!ops.supports(Compute.Op.MATMUL, type)) {
                continue;
            }
            try (Arena arena = Arena.ofShared()) {
                WeightMatrix w = randomMatrix(arena, type, rows, cols);
                float[] x = new float[batch * cols];
                SplitMix64 r = new SplitMix64(5);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (r.nextDouble() * 2 - 1);
                }
                float[] expected = new float[batch * rows];
                float[] actual = new float[batch * rows];
                new ScalarCompute().matmul(w, x, Math.min(batch, 2), expected);
                ops.matmul(w, x, batch, actual);
                double maxDiff = 0;
                for (int i = 0; i < Math.min(batch, 2) * rows; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
                }
                // Warm up, then time whole calls for about `seconds`.
                long deadline = System.nanoTime() + (long) (seconds * 0.3e9);
                while (System.nanoTime() < deadline) {
                    ops.matmul(w, x, batch, actual);
                }
                int calls = 0;
                long t0 = System.nanoTime();
                deadline = t0 + (long) (seconds * 1e9);
                do {
                    ops.matmul(w, x, batch, actual);
                    calls++;
                } while (System.nanoTime() < deadline);
                double perCall = (System.nanoTime() - t0) / 1e9 / calls;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", type.name());
                m.put("rows", rows);
                m.put("cols", cols);
                m.put("batch", batch);
                m.put("us_per_call", Math.round(perCall * 1e7) / 10.0);
                m.put("weight_gbps", Math.round(w.byteSize() / perCall / 1e7) / 100.0);
                m.put("gflops", Math.round(2.0 * rows * cols * batch / perCall / 1e7) / 100.0);
                m.put("max_abs_diff_vs_scalar", maxDiff);
                out.add(m);
            }
        }
        return out;
    }

    private static WeightMatrix randomMatrix(Arena arena, GgmlType type, int rows, int cols) {
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment seg = arena.allocate(bytes, 64);
        if (!type.isQuantized()) {
            // Values as a model's (standard deviation 0.02). Random bits would make many of them
            // subnormal, which Intel's cores compute through microcode assists: F32 measured 34 and
            // BF16 35 GFLOP/s at batch 128 instead of about 100, for data no model holds.
            RandomWeights.fill(type, seg, 0.02f, 11);
            return new WeightMatrix("bench-" + type, type, seg, rows, cols);
        }
        SplitMix64 r = new SplitMix64(11);
        for (long i = 0; i + 8 <= bytes; i += 8) {
            seg.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, r.nextLong() & 0x3BFF3BFF3BFF3BFFL);
        }
        if (type.isQuantized()) { // small positive fp16 scales
            for (long b = 0; b < bytes / type.blockBytes; b++) {
                for (int field : Blocks.halfFields(type)) {
                    seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, b * type.blockBytes + field,
                            Float.floatToFloat16(0.01f));
                }
            }
        }
        return new WeightMatrix("bench-" + type, type, seg, rows, cols);
    }
}
