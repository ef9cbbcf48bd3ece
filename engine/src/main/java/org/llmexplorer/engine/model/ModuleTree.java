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
        String eps = String.format("%.0e", c.rmsEps()).replace("e-0", "e-");
        String norm = "LlamaRMSNorm((" + c.dim() + ",), eps=" + eps + ")";
        StringBuilder sb = new StringBuilder();
        sb.append("LlamaForCausalLM(\n");
        sb.append("  (model): LlamaModel(\n");
        sb.append("    (embed_tokens): Embedding(").append(c.vocabSize()).append(", ").append(c.dim()).append(")")
                .append(type(file, "token_embd.weight")).append('\n');
        sb.append("    (layers): ModuleList(\n");
        sb.append("      (0-").append(c.layers() - 1).append("): ").append(c.layers()).append(" x LlamaDecoderLayer(\n");
        sb.append("        (self_attn): LlamaAttention(\n");
        linear(sb, "q_proj", c.dim(), c.qDim(), file, "attn_q");
        linear(sb, "k_proj", c.dim(), c.kvDim(), file, "attn_k");
        linear(sb, "v_proj", c.dim(), c.kvDim(), file, "attn_v");
        linear(sb, "o_proj", c.qDim(), c.dim(), file, "attn_output");
        sb.append("        )\n");
        sb.append("        (mlp): LlamaMLP(\n");
        linear(sb, "gate_proj", c.dim(), c.ffnDim(), file, "ffn_gate");
        linear(sb, "up_proj", c.dim(), c.ffnDim(), file, "ffn_up");
        linear(sb, "down_proj", c.ffnDim(), c.dim(), file, "ffn_down");
        sb.append("          (act_fn): SiLU()\n");
        sb.append("        )\n");
        sb.append("        (input_layernorm): ").append(norm).append('\n');
        sb.append("        (post_attention_layernorm): ").append(norm).append('\n');
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
        sb.append("          (").append(name).append("): Linear(in_features=").append(in).append(", out_features=")
                .append(out).append(", bias=False)").append(type(file, "blk.0." + tensor + ".weight")).append('\n');
    }

    private static String type(GgufFile file, String tensor) {
        return file.tensor(tensor).map(GgufTensorInfo::type).map(t -> " [" + t + "]").orElse("");
    }

    private static String fmt(float v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
