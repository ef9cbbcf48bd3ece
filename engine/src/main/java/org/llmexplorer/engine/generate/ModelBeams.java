package org.llmexplorer.engine.generate;

import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;

/** Beam search over a real model: every beam has its own KV cache, copied from its parent when it forks. */
public final class ModelBeams implements BeamSearch.Model {
    private final Model model;
    private final Compute ops;
    private final MaskPlan masks;
    private final int contextLength;
    private final KvCache.Type kvType;

    public ModelBeams(Model model, Compute ops, MaskPlan masks, int contextLength) {
        this(model, ops, masks, contextLength, KvCache.Type.F32);
    }

    /** With every beam's KV cache in the given type. */
    public ModelBeams(Model model, Compute ops, MaskPlan masks, int contextLength, KvCache.Type kvType) {
        this.model = model;
        this.ops = ops;
        this.masks = masks;
        this.contextLength = contextLength;
        this.kvType = kvType;
    }

    @Override
    public int endOfSequence() {
        return model.tokenizer().vocabulary().eos();
    }

    @Override
    public BeamSearch.Beam start(int[] prompt) {
        InferenceState s = new InferenceState(model.config(), contextLength, ops.promptBatch(), kvType);
        int step = masks.looksAhead(model.config().layers(), model.config().heads()) ? prompt.length : s.batch();
        for (int done = 0; done < prompt.length; done += step) {
            model.transformer().forward(ops, s, masks, prompt, done, Math.min(step, prompt.length - done), done, false);
        }
        return new ModelBeam(s, prompt.length);
    }

    private final class ModelBeam implements BeamSearch.Beam {
        private final InferenceState state;
        private final int length;
        private final float[] logits;

        ModelBeam(InferenceState state, int length) {
            this.state = state;
            this.length = length;
            this.logits = java.util.Arrays.copyOf(state.logits(), model.config().vocabSize());
        }

        @Override
        public float[] logits() {
            return logits;
        }

        @Override
        public BeamSearch.Beam extend(int token) {
            if (length >= contextLength) {
                throw new org.llmexplorer.engine.model.ContextFullException(length + 1, contextLength);
            }
            InferenceState next = new InferenceState(model.config(), contextLength, 1, kvType);
            next.copyCacheFrom(state, length);
            model.transformer().forward(ops, next, masks, new int[] {token}, 0, 1, length, false);
            return new ModelBeam(next, length + 1);
        }
    }
}
