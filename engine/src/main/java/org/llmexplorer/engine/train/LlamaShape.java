package org.llmexplorer.engine.train;

/**
 * The size of a llama model to train: RMSNorm, rotary positions (adjacent pairs, as llama.cpp
 * rotates llama), grouped-query attention and a SwiGLU feed-forward network, untied output head.
 *
 * @param context the longest sequence the exported model declares (at least the training length)
 */
public record LlamaShape(int layers, int dim, int heads, int kvHeads, int ffnDim, int vocab, int context,
                         float ropeBase, float normEps) {

    public LlamaShape {
        require(layers >= 1, "layers must be at least 1");
        require(heads >= 1 && dim % heads == 0, "dim " + dim + " must be a multiple of heads " + heads);
        require(kvHeads >= 1 && heads % kvHeads == 0, heads + " heads cannot be shared by " + kvHeads + " kv heads");
        require((dim / heads) % 2 == 0, "head size " + dim / Math.max(1, heads) + " must be even (rotary pairs)");
        require(ffnDim >= 1 && vocab >= 1 && context >= 1, "ffn, vocab and context must be positive");
    }

    /** The defaults of ffn (about 8/3 dim, rounded up to 64) and rope base. */
    public static LlamaShape of(int layers, int dim, int heads, int kvHeads, int ffnDim, int vocab, int context) {
        int ffn = ffnDim > 0 ? ffnDim : (8 * dim / 3 + 63) / 64 * 64;
        return new LlamaShape(layers, dim, heads, kvHeads, ffn, vocab, context, 10000f, 1e-5f);
    }

    public int headDim() {
        return dim / heads;
    }

    public int kvDim() {
        return kvHeads * headDim();
    }

    /** Every trained number: matrices, norms, embedding and output head. */
    public long parameters() {
        long perLayer = 2L * dim * dim + 2L * dim * kvDim() + 3L * dim * ffnDim + 2L * dim;
        return layers * perLayer + 2L * vocab * dim + dim;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
