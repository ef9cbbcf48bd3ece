package org.llmexplorer.engine.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufWriter;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;

/**
 * Random models of any architecture the engine runs, made from a small model file of that
 * architecture (its metadata, tokenizer, norms and biases kept): every matrix gets new random
 * weights of a chosen type, with the spread of the matrix it replaces. For differential tests
 * against llama.cpp on many seeds and every weight type.
 */
public final class RandomModels {
    private RandomModels() {
    }

    /**
     * Writes a copy of {@code template} whose matrices are random in {@code type} (rows whose
     * length the type's block does not divide fall back to Q8_0, then F16) and seeded by {@code seed}.
     */
    public static void like(Path template, GgmlType type, long seed, Path out) throws IOException {
        if (!TensorFormats.supported(type)) {
            throw new IllegalArgumentException("random models can be written in the computable types, not " + type);
        }
        try (GgufFile in = GgufFile.open(template)) {
            GgufWriter w = new GgufWriter();
            in.metadata().forEach(w::put);
            // Not the architecture's name: llama.cpp reads "phi3" in general.name as a hint about the model.
            w.put("general.name", GgufValue.ofString("random weights, " + type + ", seed " + seed));
            long n = 0;
            for (GgufTensorInfo t : in.tensors()) {
                MemorySegment data = in.data(t);
                if (t.shape().length < 2) {
                    w.addTensor(t.name(), t.type(), t.shape(), GgufWriter.TensorSource.of(data));
                    continue;
                }
                GgmlType as = fitting(type, t.shape()[0]);
                float sigma = (float) rms(t, data);
                long s = seed * 7919 + n++;
                w.addTensor(t.name(), as, t.shape(), target -> RandomWeights.fill(as, target, sigma, s));
            }
            w.write(out);
        }
    }

    /** The type itself when its block divides the row length, else the nearest type whose block does. */
    static GgmlType fitting(GgmlType type, long rowLength) {
        for (GgmlType t : new GgmlType[] {type, GgmlType.Q8_0, GgmlType.F16}) {
            if (rowLength % t.blockSize == 0) {
                return t;
            }
        }
        return GgmlType.F32;
    }

    private static double rms(GgufTensorInfo t, MemorySegment data) {
        int n = (int) Math.min(t.elementCount(), 1 << 20) / t.type().blockSize * t.type().blockSize;
        float[] v = new float[n];
        TensorFormats.of(t.type()).dequantize(data, 0, v, 0, n);
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum / Math.max(1, n));
    }

    /**
     * Copies a model file under another architecture name: keys renamed, biases and soft-caps
     * left out, unit per-head query/key norms added when {@code qkNorms}, Wq and Wk (F32)
     * multiplied by qkScale. {@code changes} may set {@code block_count} (layers beyond it are
     * dropped) and {@code freq_base}. This is how qwen3 comes from a qwen2 file and gemma3 from a
     * gemma2 one: the layouts differ only in those points.
     */
    public static void derive(Path from, Path to, String arch, float qkScale, boolean qkNorms, Map<String, Object> changes)
            throws IOException {
        try (GgufFile in = GgufFile.open(from)) {
            String old = in.string("general.architecture").orElseThrow();
            int layers = changes.containsKey("block_count") ? (Integer) changes.get("block_count")
                    : in.integer(old + ".block_count").orElseThrow().intValue();
            int headDim = in.integer(old + ".attention.key_length")
                    .orElse(in.integer(old + ".embedding_length").orElseThrow()
                            / in.integer(old + ".attention.head_count").orElseThrow()).intValue();
            GgufWriter w = new GgufWriter();
            for (var e : in.metadata().entrySet()) {
                String key = e.getKey();
                if (!key.contains("softcapping")) {
                    w.put(key.startsWith(old + ".") ? arch + key.substring(old.length()) : key, e.getValue());
                }
            }
            w.put("general.architecture", GgufValue.ofString(arch));
            w.put(arch + ".block_count", GgufValue.ofUInt32(layers));
            if (changes.containsKey("freq_base")) {
                w.put(arch + ".rope.freq_base", GgufValue.ofFloat32((Float) changes.get("freq_base")));
            }
            for (GgufTensorInfo t : in.tensors()) {
                String name = t.name();
                if (name.endsWith(".bias") || name.startsWith("blk.") && Integer.parseInt(name.split("\\.")[1]) >= layers) {
                    continue;
                }
                MemorySegment data = in.data(t);
                boolean scale = qkScale != 1f && (name.endsWith("attn_q.weight") || name.endsWith("attn_k.weight"));
                w.addTensor(name, t.type(), t.shape(), scale ? target -> {
                    for (long i = 0; i < data.byteSize(); i += 4) {
                        target.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, i) * qkScale);
                    }
                } : GgufWriter.TensorSource.of(data));
            }
            if (qkNorms) {
                float[] ones = new float[headDim];
                Arrays.fill(ones, 1f);
                for (int l = 0; l < layers; l++) {
                    for (String norm : new String[] {"attn_q_norm", "attn_k_norm"}) {
                        w.addTensor("blk." + l + "." + norm + ".weight", GgmlType.F32, new long[] {headDim},
                                GgufWriter.TensorSource.ofFloats(ones));
                    }
                }
            }
            w.write(to);
        }
    }
}
