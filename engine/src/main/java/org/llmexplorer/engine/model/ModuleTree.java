package org.llmexplorer.engine.model;

import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;

/**
 * The model's structure printed the way Hugging Face transformers prints a module
 * ({@code print(model)}), with the weight type of each projection added.
 */
public final class ModuleTree {
    private ModuleTree() {
    }

    public static String of(ModelConfig c, GgufFile file) {
        String eps = String.format("%.0e", c.normEps()).replace("e-0", "e-");
        String prefix = switch (c.architecture()) {
            case "qwen2" -> "Qwen2";
            case "qwen3" -> "Qwen3";
            case "phi3" -> "Phi3";
            case "gpt2" -> "GPT2";
            case "gemma2" -> "Gemma2";
            case "gemma3" -> "Gemma3";
            default -> "Llama";
        };
        String norm = (c.family().norm() == Family.Norm.LAYER ? "LayerNorm" : prefix + "RMSNorm")
                + "((" + c.dim() + ",), eps=" + eps + ")";
        StringBuilder sb = new StringBuilder();
        sb.append(prefix).append("ForCausalLM(\n");
        sb.append("  (model): ").append(prefix).append("Model(\n");
        sb.append("    (embed_tokens): Embedding(").append(c.vocabSize()).append(", ").append(c.dim()).append(")")
                .append(type(file, "token_embd.weight")).append('\n');
        sb.append("    (layers): ModuleList(\n");
        sb.append("      (0-").append(c.layers() - 1).append("): ").append(c.layers()).append(" x ").append(prefix)
                .append("DecoderLayer(\n");
        sb.append("        (self_attn): ").append(prefix).append("Attention(\n");
        linear(sb, "q_proj", c.dim(), c.qDim(), file, "attn_q");
        linear(sb, "k_proj", c.dim(), c.kvDim(), file, "attn_k");
        linear(sb, "v_proj", c.dim(), c.kvDim(), file, "attn_v");
        linear(sb, "o_proj", c.qDim(), c.dim(), file, "attn_output");
        if (file.tensor("blk.0.attn_q_norm.weight").isPresent()) {
            sb.append("          (q_norm): ").append(prefix).append("RMSNorm((").append(c.headDim()).append(",))\n");
            sb.append("          (k_norm): ").append(prefix).append("RMSNorm((").append(c.headDim()).append(",))\n");
        }
        sb.append("        )\n");
        sb.append("        (mlp): ").append(prefix).append("MLP(\n");
        linear(sb, "gate_proj", c.dim(), c.ffnDim(), file, "ffn_gate");
        linear(sb, "up_proj", c.dim(), c.ffnDim(), file, "ffn_up");
        linear(sb, "down_proj", c.ffnDim(), c.dim(), file, "ffn_down");
        sb.append(c.family().activation() == Family.Activation.GELU ? "          (act_fn): GELU(tanh)\n"
                : "          (act_fn): SiLU()\n");
        sb.append("        )\n");
        sb.append("        (input_layernorm): ").append(norm).append('\n');
        sb.append("        (post_attention_layernorm): ").append(norm).append('\n');
        if (file.tensor("blk.0.post_ffw_norm.weight").isPresent()) {
            sb.append("        (post_feedforward_layernorm): ").append(norm).append('\n');
        }
        sb.append("      )\n");
        sb.append("    )\n");
        sb.append("    (norm): ").append(norm).append('\n');
        sb.append("    (rotary_emb): LlamaRotaryEmbedding(base=").append(fmt(c.ropeBase())).append(")\n");
        sb.append("  )\n");
        String head = file.tensor("output.weight").isPresent() ? "output.weight" : "token_embd.weight";
        sb.append("  (lm_head): Linear(in_features=").append(c.dim()).append(", out_features=").append(c.vocabSize())
                .append(", bias=False)").append(type(file, head))
                .append(head.equals("token_embd.weight") ? " tied to embed_tokens" : "").append('\n');
        sb.append(")");
        return sb.toString();
    }

    private static void linear(StringBuilder sb, String name, int in, int out, GgufFile file, String tensor) {
        // Fused projections (attn_qkv, gate and up in ffn_up) show the fused tensor's type.
        String weight = "blk.0." + tensor + ".weight";
        String stored = file.tensor(weight).isPresent() ? weight
                : tensor.startsWith("attn_") ? "blk.0.attn_qkv.weight" : "blk.0.ffn_up.weight";
        boolean bias = file.tensor("blk.0." + tensor + ".bias").isPresent()
                || tensor.matches("attn_[qkv]") && file.tensor("blk.0.attn_qkv.bias").isPresent();
        sb.append("          (").append(name).append("): Linear(in_features=").append(in).append(", out_features=")
                .append(out).append(", bias=").append(bias ? "True" : "False").append(")").append(type(file, stored))
                .append('\n');
    }

    private static String type(GgufFile file, String tensor) {
        return file.tensor(tensor).map(GgufTensorInfo::type).map(t -> " [" + t + "]").orElse("");
    }

    private static String fmt(float v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
