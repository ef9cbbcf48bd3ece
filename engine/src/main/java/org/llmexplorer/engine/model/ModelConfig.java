package org.llmexplorer.engine.model;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;

/**
 * The hyperparameters of a model, read from GGUF metadata ({@code <arch>.embedding_length},
 * {@code <arch>.block_count}, ...), with what sets its family apart ({@link Family}).
 */
public record ModelConfig(
        String architecture,
        String name,
        int dim,
        int layers,
        int ffnDim,
        int heads,
        int kvHeads,
        int headDim,
        int vocabSize,
        int contextLength,
        float normEps,
        float ropeBase,
        int ropeDims,
        Family family,
        String maskSpec) {

    /** Where a model trained under another mask than causal says so (models trained by this engine's trainer). */
    public static final String MASK_KEY = "llmexplorer.attention.mask";

    /**
     * The attention the model was trained with, which is what it runs under unless a person
     * picks another mask: causal, with a sliding window on the local layers of families that
     * have them (gemma2's even layers, gemma3's five of six, phi3's every layer), or the plan
     * the file names under {@link #MASK_KEY}.
     */
    public MaskPlan trainedMask() {
        if (maskSpec != null) {
            return MaskPlan.parse(maskSpec, MaskPlan.causal());
        }
        if (family.window() <= 0) {
            return MaskPlan.causal();
        }
        StringBuilder plan = new StringBuilder("causal");
        for (int l = 0; l < layers; l++) {
            if (family.isLocal(l)) {
                int last = l;
                while (last + 1 < layers && family.isLocal(last + 1)) {
                    last++;
                }
                plan.append(";L").append(l).append(last > l ? "-" + last : "").append("@sliding:w=")
                        .append(family.window());
                l = last;
            }
        }
        return MaskPlan.parse(plan.toString(), null);
    }

    public int qDim() {
        return heads * headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public static ModelConfig from(GgufFile file) throws GgufFormatException {
        String arch = file.string("general.architecture").orElseThrow(() -> missing(file, "general.architecture"));
        int dim = required(file, arch + ".embedding_length");
        int heads = required(file, arch + ".attention.head_count");
        int kvHeads = file.integer(arch + ".attention.head_count_kv").map(Long::intValue).orElse(heads);
        int headDim = file.integer(arch + ".attention.key_length").map(Long::intValue)
                .orElse(heads > 0 ? dim / heads : 0);
        int layers = required(file, arch + ".block_count");
        int vocab = file.array("tokenizer.ggml.tokens").map(a -> a.length())
                .or(() -> file.integer(arch + ".vocab_size").map(Long::intValue))
                .orElseGet(() -> file.tensor("token_embd.weight").map(t -> (int) t.shape()[1]).orElse(0));
        ModelConfig c = new ModelConfig(
                arch,
                file.string("general.name").orElse(file.path().getFileName().toString()),
                dim,
                layers,
                required(file, arch + ".feed_forward_length"),
                heads,
                kvHeads,
                headDim,
                vocab,
                file.integer(arch + ".context_length").map(Long::intValue).orElse(2048),
                file.number(arch + ".attention.layer_norm_rms_epsilon")
                        .or(() -> file.number(arch + ".attention.layer_norm_epsilon"))
                        .map(Double::floatValue).orElse(1e-5f),
                file.number(arch + ".rope.freq_base").map(Double::floatValue).orElse(10000f),
                file.integer(arch + ".rope.dimension_count").map(Long::intValue).orElse(headDim),
                Family.of(file, arch, dim, heads, headDim, layers),
                file.string(MASK_KEY).orElse(null));
        c.validate(file);
        return c;
    }

    private void validate(GgufFile file) throws GgufFormatException {
        check(file, dim > 0, "embedding_length", "must be positive, is " + dim);
        check(file, layers > 0 && layers <= 1024, "block_count", "must be in 1..1024, is " + layers);
        check(file, ffnDim > 0, "feed_forward_length", "must be positive, is " + ffnDim);
        check(file, heads > 0 && kvHeads > 0 && heads % kvHeads == 0, "attention.head_count_kv",
                heads + " query heads cannot be shared evenly by " + kvHeads + " key/value heads");
        check(file, headDim > 0 && headDim % 2 == 0, "attention.key_length", "head size must be even, is " + headDim);
        check(file, ropeDims > 0 && ropeDims <= headDim && ropeDims % 2 == 0, "rope.dimension_count",
                "must be even and at most the head size " + headDim + ", is " + ropeDims);
        check(file, vocabSize > 0, "tokenizer.ggml.tokens", "vocabulary size must be positive");
        check(file, contextLength > 0, "context_length", "must be positive, is " + contextLength);
    }

    private void check(GgufFile file, boolean ok, String key, String problem) throws GgufFormatException {
        if (!ok) {
            throw file.keyError(architecture + "." + key, "bad hyperparameter " + architecture + "." + key + ": " + problem);
        }
    }

    private static int required(GgufFile file, String key) throws GgufFormatException {
        long v = file.integer(key).orElseThrow(() -> missing(file, key));
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw file.keyError(key, "hyperparameter " + key + " = " + v + " is out of range");
        }
        return (int) v;
    }

    private static GgufFormatException missing(GgufFile file, String key) {
        return file.keyError(key, "required metadata key " + key + " is missing");
    }
}
