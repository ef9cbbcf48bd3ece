package org.llmexplorer.engine.session;

import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.ModelConfig;

/** The attention weights of one layer over a conversation: one pass over its tokens, recorded. */
final class AttentionProbe {
    /** The heatmap shows at most the last this many tokens, which keeps its memory bounded. */
    static final int MAX_TOKENS = 512;

    private AttentionProbe() {
    }

    static AttentionSnapshot run(LoadedModel lm, Transcript transcript, List<Message> messages, int layer,
                                 MaskPlan plan) {
        ModelConfig c = lm.config();
        if (layer < 0 || layer >= c.layers()) {
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + (c.layers() - 1));
        }
        int[] all = transcript.tokens(messages);
        TokenSpan[] allSpans = transcript.spans(messages, all);
        int first = Math.max(0, all.length - MAX_TOKENS);
        int[] tokens = Arrays.copyOfRange(all, first, all.length);
        int n = tokens.length;
        Generator g = new Generator(lm.model(), lm.compute(), Math.max(1, n)).masks(plan);
        AttentionMatrix rec = new AttentionMatrix(c.layers(), c.heads(), n, (l, h) -> l == layer);
        g.state().recorder(rec);
        if (n > 0) {
            g.ingest(tokens, n, 0);
        }
        float[][][] w = new float[c.heads()][][];
        boolean[][][] allowed = new boolean[c.heads()][][];
        for (int h = 0; h < c.heads(); h++) {
            w[h] = n > 0 ? rec.weights(layer, h) : new float[0][0];
            allowed[h] = plan.mask(layer, h).matrix(n);
        }
        String[] labels = new String[n];
        for (int i = 0; i < n; i++) {
            labels[i] = lm.label(tokens[i]);
        }
        return new AttentionSnapshot(layer, plan.spec(), first, labels, w, allowed,
                Arrays.copyOfRange(allSpans, first, all.length));
    }
}
