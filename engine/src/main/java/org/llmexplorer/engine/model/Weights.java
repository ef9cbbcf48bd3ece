package org.llmexplorer.engine.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The tensors of a model, under llama.cpp's GGUF names. Matrices stay in the memory mapping;
 * only the small vectors (norms, biases) are copied into float arrays. What a family adds
 * (biases, query/key norms, norms after each block) is null where the file has none; fused
 * projections (phi3's and gpt2's {@code attn_qkv}, phi3's gate-and-up {@code ffn_up}) are seen
 * as separate matrices over row ranges of the one tensor.
 */
public record Weights(
        WeightMatrix tokenEmbedding,
        WeightMatrix positionEmbedding,
        Layer[] layers,
        float[] outputNorm,
        float[] outputNormBias,
        WeightMatrix output,
        boolean outputTied,
        float[] ropeFreqs) {

    /** One transformer block; the fields after the first of each group may be null. */
    public record Layer(
            float[] attnNorm, float[] attnNormBias,
            WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, float[] bq, float[] bk, float[] bv,
            float[] qNorm, float[] kNorm,
            WeightMatrix wo, float[] bo, float[] postAttnNorm,
            float[] ffnNorm, float[] ffnNormBias,
            WeightMatrix gate, WeightMatrix up, float[] upBias, WeightMatrix down, float[] downBias,
            float[] postFfnNorm) {
    }

    public static Weights load(GgufFile file, ModelConfig c) throws GgufFormatException {
        Loader in = new Loader(file);
        int dim = c.dim();
        WeightMatrix embedding = in.matrix("token_embd.weight", dim, c.vocabSize());
        WeightMatrix positions = c.family().rope() == null
                ? in.matrix("position_embd.weight", dim, c.contextLength()) : null;
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            WeightMatrix wq;
            WeightMatrix wk;
            WeightMatrix wv;
            float[] bq;
            float[] bk;
            float[] bv;
            if (in.has(p + "attn_qkv.weight")) {
                WeightMatrix qkv = in.matrix(p + "attn_qkv.weight", dim, c.qDim() + 2 * c.kvDim());
                wq = rows(qkv, "attn_q", 0, c.qDim());
                wk = rows(qkv, "attn_k", c.qDim(), c.kvDim());
                wv = rows(qkv, "attn_v", c.qDim() + c.kvDim(), c.kvDim());
                float[] b = in.optionalVector(p + "attn_qkv.bias", c.qDim() + 2 * c.kvDim());
                bq = b == null ? null : Arrays.copyOfRange(b, 0, c.qDim());
                bk = b == null ? null : Arrays.copyOfRange(b, c.qDim(), c.qDim() + c.kvDim());
                bv = b == null ? null : Arrays.copyOfRange(b, c.qDim() + c.kvDim(), c.qDim() + 2 * c.kvDim());
            } else {
                wq = in.matrix(p + "attn_q.weight", dim, c.qDim());
                wk = in.matrix(p + "attn_k.weight", dim, c.kvDim());
                wv = in.matrix(p + "attn_v.weight", dim, c.kvDim());
                bq = in.optionalVector(p + "attn_q.bias", c.qDim());
                bk = in.optionalVector(p + "attn_k.bias", c.kvDim());
                bv = in.optionalVector(p + "attn_v.bias", c.kvDim());
            }
            WeightMatrix gate;
            WeightMatrix up;
            if (in.has(p + "ffn_gate.weight") || c.family().activation() == Family.Activation.GELU) {
                gate = in.has(p + "ffn_gate.weight") ? in.matrix(p + "ffn_gate.weight", dim, c.ffnDim()) : null;
                up = in.matrix(p + "ffn_up.weight", dim, c.ffnDim());
            } else { // gate and up in one tensor, gate first (phi3)
                WeightMatrix both = in.matrix(p + "ffn_up.weight", dim, 2 * c.ffnDim());
                gate = rows(both, "ffn_gate", 0, c.ffnDim());
                up = rows(both, "ffn_up", c.ffnDim(), c.ffnDim());
            }
            layers[l] = new Layer(
                    in.vector(p + "attn_norm.weight", dim), in.optionalVector(p + "attn_norm.bias", dim),
                    wq, wk, wv, bq, bk, bv,
                    in.optionalVector(p + "attn_q_norm.weight", c.headDim()),
                    in.optionalVector(p + "attn_k_norm.weight", c.headDim()),
                    in.matrix(p + "attn_output.weight", c.qDim(), dim), in.optionalVector(p + "attn_output.bias", dim),
                    in.optionalVector(p + "post_attention_norm.weight", dim),
                    in.vector(p + "ffn_norm.weight", dim), in.optionalVector(p + "ffn_norm.bias", dim),
                    gate, up, in.optionalVector(p + "ffn_up.bias", c.ffnDim()),
                    in.matrix(p + "ffn_down.weight", c.ffnDim(), dim), in.optionalVector(p + "ffn_down.bias", dim),
                    in.optionalVector(p + "post_ffw_norm.weight", dim));
        }
        boolean tied = file.tensor("output.weight").isEmpty();
        WeightMatrix output = tied ? embedding : in.matrix("output.weight", dim, c.vocabSize());
        float[] ropeFreqs = file.tensor("rope_freqs.weight").isPresent()
                ? in.vector("rope_freqs.weight", c.ropeDims() / 2) : null;
        float[] outputNorm = in.vector("output_norm.weight", dim);
        float[] outputNormBias = in.optionalVector("output_norm.bias", dim);
        in.throwIfProblems();
        return new Weights(embedding, positions, layers, outputNorm, outputNormBias, output, tied, ropeFreqs);
    }

    /** Rows [from, from + count) of a matrix, as a matrix of its own over the same bytes. */
    private static WeightMatrix rows(WeightMatrix m, String name, int from, int count) {
        if (m == null) {
            return null;
        }
        return new WeightMatrix(m.name() + "[" + name + "]", m.type(),
                m.data().asSlice(from * m.rowBytes(), count * m.rowBytes()), count, m.cols());
    }

    /** Collects every missing or misshapen tensor so the error lists them all at once. */
    private static final class Loader {
        private final GgufFile file;
        private final List<String> problems = new ArrayList<>();
        /** The tensor of the first problem: the error points at its entry in the header. */
        private String firstProblem;

        private void problem(String tensor, String text) {
            if (firstProblem == null) {
                firstProblem = tensor;
            }
            problems.add(text);
        }

        Loader(GgufFile file) {
            this.file = file;
        }

        private GgufTensorInfo find(String name) {
            var t = file.tensor(name);
            if (t.isEmpty()) {
                problem(name, "tensor " + name + " is missing");
                return null;
            }
            return t.get();
        }

        WeightMatrix matrix(String name, int cols, int rows) {
            GgufTensorInfo t = find(name);
            if (t == null) {
                return null;
            }
            long actualRows = t.shape().length > 1 && t.shape()[0] > 0 ? t.elementCount() / t.shape()[0] : 1;
            if (t.shape()[0] != cols || actualRows != rows) {
                problem(name, "tensor " + name + " has shape " + t.shapeString() + ", expected [" + cols + ", " + rows + "]");
                return null;
            }
            if (!TensorFormats.supported(t.type())) {
                problem(name, "tensor " + name + " has weight type " + t.type() + ", which this engine cannot compute yet");
                return null;
            }
            return new WeightMatrix(name, t.type(), file.data(t), rows, cols);
        }

        boolean has(String name) {
            return file.tensor(name).isPresent();
        }

        float[] optionalVector(String name, int length) {
            return has(name) ? vector(name, length) : null;
        }

        float[] vector(String name, int length) {
            GgufTensorInfo t = find(name);
            if (t == null) {
                return null;
            }
            if (t.elementCount() != length) {
                problem(name, "tensor " + name + " has shape " + t.shapeString() + ", expected [" + length + "]");
                return null;
            }
            if (!TensorFormats.supported(t.type())) {
                problem(name, "tensor " + name + " has weight type " + t.type() + ", which this engine cannot read yet");
                return null;
            }
            float[] v = new float[length];
            TensorFormats.of(t.type()).dequantize(file.data(t), 0, v, 0, length);
            return v;
        }

        void throwIfProblems() throws GgufFormatException {
            if (!problems.isEmpty()) {
                long at = file.tensorInfoOffset(firstProblem);
                throw file.error("tensor['" + firstProblem + "']", at >= 0 ? at : file.offsetOf("tensors"),
                        "cannot build the model: " + String.join("; ", problems));
            }
        }
    }
}
