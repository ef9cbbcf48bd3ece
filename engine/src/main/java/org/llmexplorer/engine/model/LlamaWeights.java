package org.llmexplorer.engine.model;

import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;
import org.llmexplorer.engine.gguf.GgufTensorInfo;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The tensors of a llama-architecture model, under llama.cpp's GGUF names. Matrices stay in the
 * memory mapping; only the small norm vectors are copied into float arrays.
 */
public record LlamaWeights(
        WeightMatrix tokenEmbedding,
        Layer[] layers,
        float[] outputNorm,
        WeightMatrix output,
        boolean outputTied,
        float[] ropeFreqs) {

    /** One transformer block. */
    public record Layer(
            float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
            float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
    }

    public static LlamaWeights load(GgufFile file, ModelConfig c) throws GgufFormatException {
        Loader in = new Loader(file);
        WeightMatrix embedding = in.matrix("token_embd.weight", c.dim(), c.vocabSize());
        Layer[] layers = new Layer[c.layers()];
        for (int l = 0; l < c.layers(); l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    in.vector(p + "attn_norm.weight", c.dim()),
                    in.matrix(p + "attn_q.weight", c.dim(), c.qDim()),
                    in.matrix(p + "attn_k.weight", c.dim(), c.kvDim()),
                    in.matrix(p + "attn_v.weight", c.dim(), c.kvDim()),
                    in.matrix(p + "attn_output.weight", c.qDim(), c.dim()),
                    in.vector(p + "ffn_norm.weight", c.dim()),
                    in.matrix(p + "ffn_gate.weight", c.dim(), c.ffnDim()),
                    in.matrix(p + "ffn_up.weight", c.dim(), c.ffnDim()),
                    in.matrix(p + "ffn_down.weight", c.ffnDim(), c.dim()));
        }
        boolean tied = file.tensor("output.weight").isEmpty();
        WeightMatrix output = tied ? embedding : in.matrix("output.weight", c.dim(), c.vocabSize());
        float[] ropeFreqs = file.tensor("rope_freqs.weight").isPresent()
                ? in.vector("rope_freqs.weight", c.ropeDims() / 2) : null;
        float[] outputNorm = in.vector("output_norm.weight", c.dim());
        in.throwIfProblems();
        return new LlamaWeights(embedding, layers, outputNorm, output, tied, ropeFreqs);
    }

    /** Collects every missing or misshapen tensor so the error lists them all at once. */
    private static final class Loader {
        private final GgufFile file;
        private final List<String> problems = new ArrayList<>();

        Loader(GgufFile file) {
            this.file = file;
        }

        private GgufTensorInfo find(String name) {
            var t = file.tensor(name);
            if (t.isEmpty()) {
                problems.add("tensor " + name + " is missing");
                return null;
            }
            return t.get();
        }

        WeightMatrix matrix(String name, int cols, int rows) {
            GgufTensorInfo t = find(name);
            if (t == null) {
                return null;
            }
            long actualRows = t.shape().length > 1 ? t.elementCount() / t.shape()[0] : 1;
            if (t.shape()[0] != cols || actualRows != rows) {
                problems.add("tensor " + name + " has shape " + t.shapeString() + ", expected [" + cols + ", " + rows + "]");
                return null;
            }
            if (!TensorFormats.supported(t.type())) {
                problems.add("tensor " + name + " has weight type " + t.type() + ", which this engine cannot compute yet");
                return null;
            }
            return new WeightMatrix(name, t.type(), file.data(t), rows, cols);
        }

        float[] vector(String name, int length) {
            GgufTensorInfo t = find(name);
            if (t == null) {
                return null;
            }
            if (t.elementCount() != length) {
                problems.add("tensor " + name + " has shape " + t.shapeString() + ", expected [" + length + "]");
                return null;
            }
            if (!TensorFormats.supported(t.type())) {
                problems.add("tensor " + name + " has weight type " + t.type() + ", which this engine cannot read yet");
                return null;
            }
            float[] v = new float[length];
            TensorFormats.of(t.type()).dequantize(file.data(t), 0, v, 0, length);
            return v;
        }

        void throwIfProblems() throws GgufFormatException {
            if (!problems.isEmpty()) {
                throw new GgufFormatException(file.path().getFileName().toString(), "tensors", file.dataStart(),
                        "cannot build the model: " + String.join("; ", problems));
            }
        }
    }
}
