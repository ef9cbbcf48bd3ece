package org.llmexplorer.engine.inspect;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.Probe;

/**
 * A prompt run through the model in one forward pass, from position 0, with a probe watching:
 * what every deeper view is built on. One pass (not batches) so that a probe sees each site of
 * every position at once, as a grid of layers by positions needs.
 */
public record Pass(Model model, Compute ops, MaskPlan masks) {

    public Pass {
        if (masks == null) {
            masks = model.config().trainedMask();
        }
    }

    /** The logits after every token of the prompt (tokens.length x vocabulary), the probe seeing the pass. */
    public float[] logits(int[] tokens, Probe probe) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        int context = model.config().contextLength();
        if (tokens.length > context) {
            throw new IllegalArgumentException("the prompt has " + tokens.length + " tokens but the model's context holds "
                    + context);
        }
        InferenceState s = new InferenceState(model.config(), tokens.length, tokens.length);
        s.probe(probe);
        try {
            model.transformer().forward(ops, s, masks, tokens, 0, tokens.length, 0, true);
            return Arrays.copyOf(s.logits(), tokens.length * model.config().vocabSize());
        } finally {
            s.release(); // a sweep runs hundreds of passes: device memory goes back at once, not when collected
        }
    }

    /**
     * What a person should know when the model runs on a device: the probed values are read back
     * from it, and what a view computes besides the pass (the lens's output head, the statistics)
     * runs on the CPU. Empty on the CPU.
     */
    public String deviceNote() {
        if (!(ops instanceof org.llmexplorer.engine.model.DeviceWorkspaces device)
                || device.declines(model.transformer()) != null) {
            return "";
        }
        return "on " + ops.describe() + ": the probed values are read back from the device, and what the view "
                + "computes from them (the lens's output head, the readings) runs on the CPU";
    }

    /** A probe that keeps a copy of the residual stream after every layer: into[layer] = count x dim values. */
    public static Probe residuals(float[][] into) {
        return new Probe() {
            @Override
            public boolean watches(Site site, int layer) {
                return site == Site.RESIDUAL;
            }

            @Override
            public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                into[layer] = values.clone();
                return false;
            }
        };
    }

    /** Throws when the person cancelled: called between the passes of a sweep. */
    static void check(BooleanSupplier cancelled) {
        if (cancelled != null && cancelled.getAsBoolean()) {
            throw new CancellationException("cancelled");
        }
    }
}
