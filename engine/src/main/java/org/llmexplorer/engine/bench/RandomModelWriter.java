package org.llmexplorer.engine.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufValueType;
import org.llmexplorer.engine.gguf.GgufWriter;
import org.llmexplorer.engine.sampling.SplitMix64;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.format.Blocks;

/**
 * Writes a llama-architecture GGUF file of a given shape and weight type filled with random
 * weights (small, so activations stay finite), with a placeholder vocabulary. Speed depends on
 * shape and type only, so such a file measures the engine as a real model of that shape would.
 */
public final class RandomModelWriter {
    private RandomModelWriter() {
    }

    public static void write(ModelShape s, GgmlType type, Path out, long seed) throws IOException {
        if (!TensorFormats.supported(type)) {
            throw new IllegalArgumentException("random models can be written in the computable types, not " + type);
        }
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.ofString("llama"));
        w.put("general.name", GgufValue.ofString("random " + s.name() + " " + type));
        w.put("llama.context_length", GgufValue.ofUInt32(131072));
        w.put("llama.embedding_length", GgufValue.ofUInt32(s.dim()));
        w.put("llama.block_count", GgufValue.ofUInt32(s.layers()));
        w.put("llama.feed_forward_length", GgufValue.ofUInt32(s.ffnDim()));
        w.put("llama.attention.head_count", GgufValue.ofUInt32(s.heads()));
        w.put("llama.attention.head_count_kv", GgufValue.ofUInt32(s.kvHeads()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(1e-5f));
        w.put("llama.rope.freq_base", GgufValue.ofFloat32(s.ropeBase()));
        w.put("llama.rope.dimension_count", GgufValue.ofUInt32(s.headDim()));
        String[] tokens = new String[s.vocab()];
        float[] scores = new float[s.vocab()];
        int[] types = new int[s.vocab()];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i == 0 ? "<unk>" : i == 1 ? "<s>" : i == 2 ? "</s>" : "t" + i;
            types[i] = i < 3 ? (i == 0 ? 2 : 3) : 1;
            scores[i] = -i;
        }
        w.put("tokenizer.ggml.model", GgufValue.ofString("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, tokens)));
        w.put("tokenizer.ggml.scores", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT32, scores)));
        w.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, types)));

        int kv = s.kvHeads() * s.headDim();
        int q = s.heads() * s.headDim();
        long[] counter = {seed};
        w.addTensor("token_embd.weight", type, new long[] {s.dim(), s.vocab()}, random(type, 1.0f, counter[0]++));
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            float inScale = (float) (1 / Math.sqrt(s.dim()));
            w.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {s.dim()}, ones());
            w.addTensor(p + "attn_q.weight", type, new long[] {s.dim(), q}, random(type, inScale, counter[0]++));
            w.addTensor(p + "attn_k.weight", type, new long[] {s.dim(), kv}, random(type, inScale, counter[0]++));
            w.addTensor(p + "attn_v.weight", type, new long[] {s.dim(), kv}, random(type, inScale, counter[0]++));
            w.addTensor(p + "attn_output.weight", type, new long[] {q, s.dim()}, random(type, inScale, counter[0]++));
            w.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {s.dim()}, ones());
            w.addTensor(p + "ffn_gate.weight", type, new long[] {s.dim(), s.ffnDim()}, random(type, inScale, counter[0]++));
            w.addTensor(p + "ffn_up.weight", type, new long[] {s.dim(), s.ffnDim()}, random(type, inScale, counter[0]++));
            w.addTensor(p + "ffn_down.weight", type, new long[] {s.ffnDim(), s.dim()},
                    random(type, (float) (1 / Math.sqrt(s.ffnDim())), counter[0]++));
        }
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {s.dim()}, ones());
        if (!s.tiedOutput()) {
            w.addTensor("output.weight", type, new long[] {s.dim(), s.vocab()}, random(type, 1.0f, counter[0]++));
        }
        w.write(out);
    }

    private static GgufWriter.TensorSource ones() {
        return target -> {
            for (long i = 0; i < target.byteSize(); i += 4) {
                target.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f);
            }
        };
    }

    /** Values of roughly uniform spread about +-scale, written block by block in parallel. */
    private static GgufWriter.TensorSource random(GgmlType type, float scale, long seed) {
        return target -> {
            long blocks = target.byteSize() / type.blockBytes;
            int chunks = (int) Math.min(256, Math.max(1, blocks / 4096));
            IntStream.range(0, chunks).parallel().forEach(c -> {
                SplitMix64 r = new SplitMix64(seed * 1_000_003L + c);
                long from = blocks * c / chunks;
                long to = blocks * (c + 1) / chunks;
                for (long b = from; b < to; b++) {
                    fillBlock(type, target, b * type.blockBytes, scale, r);
                }
            });
        };
    }

    private static void fillBlock(GgmlType type, MemorySegment m, long at, float scale, SplitMix64 r) {
        switch (type) {
            case F32 -> m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, uniform(r) * scale);
            case F16 -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(uniform(r) * scale));
            case BF16 -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at,
                    (short) (Float.floatToIntBits(uniform(r) * scale) >>> 16));
            case Q8_0, Q4_0 -> {
                float d = scale / (type == GgmlType.Q8_0 ? 127f : 8f);
                m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(d));
                for (int j = 2; j < type.blockBytes; j += 8) {
                    long bits = r.nextLong();
                    for (int k = 0; k < 8 && j + k < type.blockBytes; k++) {
                        m.set(ValueLayout.JAVA_BYTE, at + j + k, (byte) (bits >>> (8 * k)));
                    }
                }
            }
            default -> { // random codes, and scales small enough that values stay about +-scale
                for (int j = 0; j < type.blockBytes; j += 8) {
                    long bits = r.nextLong();
                    for (int k = 0; k < 8 && j + k < type.blockBytes; k++) {
                        m.set(ValueLayout.JAVA_BYTE, at + j + k, (byte) (bits >>> (8 * k)));
                    }
                }
                for (int field : Blocks.halfFields(type)) {
                    m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + field, Float.floatToFloat16(scale / 512f));
                }
            }
        }
    }

    private static float uniform(SplitMix64 r) {
        return (float) (r.nextDouble() * 2 - 1);
    }
}
