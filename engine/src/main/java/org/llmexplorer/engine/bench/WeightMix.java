package org.llmexplorer.engine.bench;

import java.util.Locale;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;

/**
 * The weight type of each matrix of a random model: one type for all, or a mix as llama.cpp's
 * quantizer assigns for the files people download. Q4_K_M: Q6_K for the output matrix (the token
 * embeddings where the output is tied to them), and for attn_v and ffn_down in the first and last
 * eighth of the layers and every third layer between; Q4_K elsewhere. Q5_K_M: the same with Q5_K.
 */
public record WeightMix(String name, GgmlType main, GgmlType more) {

    /** A type name (Q8_0, Q4_K, ...) or a mix name (Q4_K_M, Q5_K_M). */
    public static WeightMix parse(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        if (upper.equals("Q4_K_M") || upper.equals("Q5_K_M")) {
            return new WeightMix(upper, upper.startsWith("Q4") ? GgmlType.Q4_K : GgmlType.Q5_K, GgmlType.Q6_K);
        }
        GgmlType type;
        try {
            type = GgmlType.valueOf(upper);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown weight type or mix: " + name + " (a type such as Q8_0, or Q4_K_M, Q5_K_M)");
        }
        if (!TensorFormats.supported(type)) {
            throw new IllegalArgumentException("random models can be written in the computable types, not " + type);
        }
        return new WeightMix(type.name(), type, type);
    }

    /** The output matrix's type (or the tied embeddings'). */
    GgmlType output() {
        return more;
    }

    /** attn_v's and ffn_down's type in layer i of n. */
    GgmlType sensitive(int i, int n) {
        boolean moreBits = i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
        return moreBits ? more : main;
    }
}
