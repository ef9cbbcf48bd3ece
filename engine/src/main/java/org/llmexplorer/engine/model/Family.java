package org.llmexplorer.engine.model;

import org.llmexplorer.engine.gguf.GgufFile;

/**
 * What sets one model family's forward pass apart from llama's, as llama.cpp builds each
 * architecture. The forward pass reads these switches; tensors that a family adds (biases,
 * extra norms) are found by name when the weights load.
 *
 * @param norm           RMSNorm, or LayerNorm with a bias (gpt2)
 * @param activation     of the feed-forward network: SiLU or tanh-approximated GELU; gated when
 *                       the file has a gate projection
 * @param rope           how query/key pairs are rotated; null for learned absolute positions
 * @param embeddingScale the token embedding is multiplied by it (gemma: sqrt(dim))
 * @param queryScale     queries are multiplied by it after rotation (gemma); 1 elsewhere
 * @param scoreScale     attention scores are multiplied by it (1/sqrt(head size), or 1 when
 *                       queries are scaled already)
 * @param attnSoftcap    scores become c * tanh(s / c) before the softmax; 0 for none (gemma2)
 * @param finalSoftcap   the same for the output logits (gemma2)
 * @param window         the sliding window of local layers, 0 for none
 * @param localPattern   with a window: layer l is local when l % pattern &lt; pattern - 1
 *                       (gemma2: 2, even layers; gemma3: 6, five of six), or every layer when 1
 * @param localRopeBase  rope base of local layers when it differs (gemma3), else 0
 * @param ropeScale      positions are multiplied by it on global layers (linear rope scaling)
 */
public record Family(
        Norm norm,
        Activation activation,
        Rope.Style rope,
        float embeddingScale,
        float queryScale,
        float scoreScale,
        float attnSoftcap,
        float finalSoftcap,
        int window,
        int localPattern,
        float localRopeBase,
        float ropeScale) {

    public enum Norm { RMS, LAYER }

    public enum Activation { SILU, GELU }

    /** The architectures this engine runs. */
    public static final java.util.List<String> SUPPORTED =
            java.util.List.of("llama", "qwen2", "qwen3", "phi3", "gpt2", "gemma2", "gemma3");

    /** Whether layer l attends through the sliding window. */
    public boolean isLocal(int layer) {
        return window > 0 && (localPattern <= 1 || layer % localPattern < localPattern - 1);
    }

    static Family of(GgufFile file, String arch, int dim, int heads, int headDim, int layers) {
        float perHead = (float) (1.0 / Math.sqrt(headDim));
        float linear = file.number(arch + ".rope.scaling.factor").map(f -> f > 0 ? (float) (1.0 / f) : 1f)
                .orElse(1f);
        int window = file.integer(arch + ".attention.sliding_window").map(Long::intValue).orElse(0);
        return switch (arch) {
            case "qwen2", "qwen3" -> new Family(Norm.RMS, Activation.SILU, Rope.Style.NEOX, 1f, 1f, perHead, 0f, 0f,
                    0, 0, 0f, linear);
            case "phi3" -> new Family(Norm.RMS, Activation.SILU, Rope.Style.NEOX, 1f, 1f, perHead, 0f, 0f,
                    window, 1, 0f, linear);
            case "gpt2" -> new Family(Norm.LAYER, Activation.GELU, null, 1f, 1f, perHead, 0f, 0f, 0, 0, 0f, 1f);
            case "gemma2", "gemma3" -> {
                // llama.cpp scales queries by 1/sqrt(dim / heads) for the 27B models (46 and 62
                // layers), by 1/sqrt(head size) otherwise.
                boolean big = arch.equals("gemma2") ? layers == 46 : layers == 62;
                float q = (float) (1.0 / Math.sqrt(big ? (double) (dim / heads) : headDim));
                boolean two = arch.equals("gemma2");
                yield new Family(Norm.RMS, Activation.GELU, Rope.Style.NEOX, (float) Math.sqrt(dim), q, 1f,
                        two ? file.number(arch + ".attn_logit_softcapping").map(Double::floatValue).orElse(50f) : 0f,
                        two ? file.number(arch + ".final_logit_softcapping").map(Double::floatValue).orElse(30f) : 0f,
                        window, two ? 2 : 6, two ? 0f : 10000f, linear);
            }
            default -> new Family(Norm.RMS, Activation.SILU, Rope.Style.NORM, 1f, 1f, perHead, 0f, 0f, 0, 0, 0f,
                    linear);
        };
    }
}
