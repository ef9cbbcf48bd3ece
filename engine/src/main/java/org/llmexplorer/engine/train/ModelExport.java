package org.llmexplorer.engine.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.gguf.GgufWriter;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * Writes trained parameters as a llama GGUF file with the standard keys and tensor names, which
 * this engine and llama.cpp load. Matrices in F32 or F16, norm weights always in F32. A mask
 * other than causal is recorded under {@link #MASK_KEY}, which this engine runs the model under
 * (llama.cpp ignores the key and runs causal attention).
 */
public final class ModelExport {
    /** The attention mask plan the model was trained under, in {@code MaskPlan} text. */
    public static final String MASK_KEY = org.llmexplorer.engine.model.ModelConfig.MASK_KEY;

    private ModelExport() {
    }

    public static void write(LlamaParameters params, Map<String, GgufValue> tokenizer, String name, GgmlType type,
                             String maskSpec, Map<String, GgufValue> extra, Path out) throws IOException {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("models are exported in F32 or F16, not " + type);
        }
        LlamaShape s = params.shape();
        GgufWriter w = new GgufWriter();
        w.put("general.architecture", GgufValue.ofString("llama"));
        w.put("general.name", GgufValue.ofString(name));
        w.put("general.file_type", GgufValue.ofUInt32(type == GgmlType.F32 ? 0 : 1)); // llama.cpp's ALL_F32, MOSTLY_F16
        w.put("llama.context_length", GgufValue.ofUInt32(s.context()));
        w.put("llama.embedding_length", GgufValue.ofUInt32(s.dim()));
        w.put("llama.block_count", GgufValue.ofUInt32(s.layers()));
        w.put("llama.feed_forward_length", GgufValue.ofUInt32(s.ffnDim()));
        w.put("llama.attention.head_count", GgufValue.ofUInt32(s.heads()));
        w.put("llama.attention.head_count_kv", GgufValue.ofUInt32(s.kvHeads()));
        w.put("llama.attention.layer_norm_rms_epsilon", GgufValue.ofFloat32(s.normEps()));
        w.put("llama.rope.freq_base", GgufValue.ofFloat32(s.ropeBase()));
        w.put("llama.rope.dimension_count", GgufValue.ofUInt32(s.headDim()));
        w.put("llama.vocab_size", GgufValue.ofUInt32(s.vocab()));
        if (maskSpec != null && !maskSpec.equals("causal")) {
            w.put(MASK_KEY, GgufValue.ofString(maskSpec));
        }
        w.putAll(extra);
        w.putAll(tokenizer);
        for (Parameter p : params.all()) {
            GgmlType t = p.isVector() ? GgmlType.F32 : type;
            w.addTensor(p.name(), t, p.shape(), t == GgmlType.F32 ? GgufWriter.TensorSource.ofFloats(p.value())
                    : halves(p.value()));
        }
        w.write(out);
    }

    private static GgufWriter.TensorSource halves(float[] values) {
        return target -> {
            for (int i = 0; i < values.length; i++) {
                target.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, Float.floatToFloat16(values[i]));
            }
        };
    }
}
