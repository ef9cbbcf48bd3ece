package org.llmexplorer.engine.bench;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufValueType;
import org.llmexplorer.engine.gguf.GgufWriter;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * Writes a llama-architecture GGUF file of a given shape and weight type (or mix of types, see
 * {@link WeightMix}) filled with random
 * weights (small, so activations stay finite). Speed depends on shape and type only, so such a
 * file measures the engine as a real model of that shape would; and llama.cpp loads it too, so
 * both can be measured on the same file: the vocabulary is a SentencePiece one with the control
 * tokens, the 256 byte tokens {@code <0x00>..<0xFF>} llama.cpp looks up, and filler pieces.
 */
public final class RandomModelWriter {
    private RandomModelWriter() {
    }

    public static void write(ModelShape s, GgmlType type, Path out, long seed) throws IOException {
        write(s, WeightMix.parse(type.name()), out, seed);
    }

    public static void write(ModelShape s, WeightMix mix, Path out, long seed) throws IOException {
        GgmlType type = mix.main();
        if (s.vocab() < 3 + 256) {
            throw new IllegalArgumentException("a vocabulary needs at least 259 tokens (3 control, 256 bytes), not " + s.vocab());
        }
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.ofString("llama"));
        w.put("general.name", GgufValue.ofString("random weights, shape " + s.name() + ", " + mix.name()));
        w.put("llama.context_length", GgufValue.ofUInt32(131072));
        w.put("llama.embedding_length", GgufValue.ofUInt32(s.dim()));
        w.put("llama.block_count", GgufValue.ofUInt32(s.layers()));
        w.put("llama.feed_forward_length", GgufValue.ofUInt32(s.ffnDim()));
        w.put("llama.attention.head_count", GgufValue.ofUInt32(s.heads()));
        w.put("llama.attention.head_count_kv", GgufValue.ofUInt32(s.kvHeads()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(1e-5f));
        w.put("llama.rope.freq_base", GgufValue.ofFloat32(s.ropeBase()));
        w.put("llama.rope.dimension_count", GgufValue.ofUInt32(s.headDim()));
        vocabulary(w, s.vocab());

        int kv = s.kvHeads() * s.headDim();
        int q = s.heads() * s.headDim();
        long[] counter = {seed * 1000};
        float in = (float) (1 / Math.sqrt(s.dim()));
        GgmlType embeddings = s.tiedOutput() ? mix.output() : type;
        w.addTensor("token_embd.weight", embeddings, new long[] {s.dim(), s.vocab()}, random(embeddings, 1.0f, counter[0]++));
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            w.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {s.dim()}, ones());
            w.addTensor(p + "attn_q.weight", type, new long[] {s.dim(), q}, random(type, in, counter[0]++));
            w.addTensor(p + "attn_k.weight", type, new long[] {s.dim(), kv}, random(type, in, counter[0]++));
            GgmlType sensitive = mix.sensitive(l, s.layers());
            w.addTensor(p + "attn_v.weight", sensitive, new long[] {s.dim(), kv}, random(sensitive, in, counter[0]++));
            w.addTensor(p + "attn_output.weight", type, new long[] {q, s.dim()}, random(type, in, counter[0]++));
            w.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {s.dim()}, ones());
            w.addTensor(p + "ffn_gate.weight", type, new long[] {s.dim(), s.ffnDim()}, random(type, in, counter[0]++));
            w.addTensor(p + "ffn_up.weight", type, new long[] {s.dim(), s.ffnDim()}, random(type, in, counter[0]++));
            w.addTensor(p + "ffn_down.weight", sensitive, new long[] {s.ffnDim(), s.dim()},
                    random(sensitive, (float) (1 / Math.sqrt(s.ffnDim())), counter[0]++));
        }
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {s.dim()}, ones());
        if (!s.tiedOutput()) {
            w.addTensor("output.weight", mix.output(), new long[] {s.dim(), s.vocab()}, random(mix.output(), 1.0f, counter[0]++));
        }
        w.write(out);
    }

    /**
     * A SentencePiece vocabulary llama.cpp accepts: {@code <unk>}, {@code <s>}, {@code </s>}, the
     * byte tokens (type 6), then pieces "▁t3", "▁t4", ... (normal, scores falling so that merges
     * are ordered).
     */
    static void vocabulary(GgufWriter w, int size) {
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        for (int i = 0; i < size; i++) {
            if (i < 3) {
                tokens[i] = i == 0 ? "<unk>" : i == 1 ? "<s>" : "</s>";
                types[i] = i == 0 ? 2 : 3; // unknown, control
            } else if (i < 3 + 256) {
                tokens[i] = String.format("<0x%02X>", i - 3);
                types[i] = 6; // byte
            } else {
                tokens[i] = "\u2581t" + i;
                types[i] = 1; // normal
            }
            scores[i] = -i;
        }
        w.put("tokenizer.ggml.model", GgufValue.ofString("llama"));
        w.put("tokenizer.ggml.tokens", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.STRING, tokens)));
        w.put("tokenizer.ggml.scores", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.FLOAT32, scores)));
        w.put("tokenizer.ggml.token_type", GgufValue.ofArray(new GgufValue.GgufArray(GgufValueType.INT32, types)));
        w.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(0));
        w.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(1));
        w.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(2));
        w.put("tokenizer.ggml.add_bos_token", GgufValue.ofBool(true));
    }

    private static GgufWriter.TensorSource ones() {
        return target -> {
            for (long i = 0; i < target.byteSize(); i += 4) {
                target.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 1f);
            }
        };
    }

    /** Values spread about +-scale (a standard deviation of scale / sqrt 3, as uniform values in that range). */
    private static GgufWriter.TensorSource random(GgmlType type, float scale, long seed) {
        return target -> RandomWeights.fill(type, target, scale / (float) Math.sqrt(3), seed);
    }
}
