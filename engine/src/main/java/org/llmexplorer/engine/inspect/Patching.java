package org.llmexplorer.engine.inspect;

import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.model.Probe;

/**
 * Activation patching (causal tracing, Meng et al. 2022): run a corrupted prompt, but at one
 * layer and position put back the residual stream the clean prompt had there, and measure how
 * much of the clean answer returns. Where that restores the answer is where the model carries
 * the information the two prompts differ in.
 *
 * <p>The measure is the logit difference between the clean answer and the corrupted answer
 * (the two runs' most probable next tokens), scaled so that 0 is the corrupted run and 1 the
 * clean one. When both runs answer alike, the clean answer's probability takes its place.
 */
public final class Patching {

    /** The two runs the patches are measured between. */
    public record Baseline(int answer, int foil, double clean, double corrupted, double cleanP, double corruptedP) {
        /** The share of the clean run's measure a patched run recovered. */
        public double recovered(double measure) {
            double span = clean - corrupted;
            return span == 0 ? 0 : (measure - corrupted) / span;
        }
    }

    /** recovered[layer][position]: the share of the answer that patching there brought back. */
    public record Sweep(Baseline baseline, double[][] recovered) {
    }

    private final Pass pass;
    private final int[] clean;
    private final int[] corrupted;
    private final float[][] cleanResidual;
    private final Baseline baseline;

    /** Runs both prompts once, keeping the clean residual stream after every layer. */
    public Patching(Pass pass, int[] clean, int[] corrupted) {
        if (clean.length != corrupted.length) {
            throw new IllegalArgumentException("the clean prompt has " + clean.length + " tokens and the corrupted one "
                    + corrupted.length + ": patching needs prompts of the same length, position by position");
        }
        this.pass = pass;
        this.clean = clean.clone();
        this.corrupted = corrupted.clone();
        int layers = pass.model().config().layers();
        cleanResidual = new float[layers][];
        float[] cleanLogits = pass.logits(clean, Pass.residuals(cleanResidual));
        float[] corruptedLogits = pass.logits(corrupted, null);
        int vocab = pass.model().config().vocabSize();
        int last = lastRow();
        int answer = Probabilities.top(cleanLogits, last, vocab, 1)[0].id();
        int foil = Probabilities.top(corruptedLogits, last, vocab, 1)[0].id();
        baseline = new Baseline(answer, foil, measure(cleanLogits, answer, foil), measure(corruptedLogits, answer, foil),
                Probabilities.probability(cleanLogits, last, vocab, answer),
                Probabilities.probability(corruptedLogits, last, vocab, answer));
    }

    public Baseline baseline() {
        return baseline;
    }

    private int lastRow() {
        return (clean.length - 1) * pass.model().config().vocabSize();
    }

    private double measure(float[] logits, int answer, int foil) {
        int last = lastRow();
        if (answer == foil) {
            return Probabilities.probability(logits, last, pass.model().config().vocabSize(), answer);
        }
        return logits[last + answer] - logits[last + foil];
    }

    /**
     * The corrupted run's logits with the clean residual stream put back after a layer at the
     * given positions (every position when positions is null).
     */
    public float[] patched(int layer, int[] positions) {
        var c = pass.model().config();
        if (layer < 0 || layer >= c.layers()) {
            throw new IllegalArgumentException("layer " + layer + " is not in the model (" + c.layers() + " layers, from 0)");
        }
        for (int p : positions == null ? new int[0] : positions) {
            if (p < 0 || p >= clean.length) {
                throw new IllegalArgumentException("position " + p + " is not in the prompt (" + clean.length
                        + " tokens, from 0)");
            }
        }
        return pass.logits(corrupted, new Probe() {
            @Override
            public boolean watches(Site site, int l) {
                return site == Site.RESIDUAL && l == layer;
            }

            @Override
            public boolean at(Site site, int l, int startPos, int count, int width, float[] values) {
                if (positions == null) {
                    System.arraycopy(cleanResidual[layer], 0, values, 0, values.length);
                } else {
                    for (int p : positions) {
                        System.arraycopy(cleanResidual[layer], p * width, values, p * width, width);
                    }
                }
                return true;
            }
        });
    }

    /** The share of the answer recovered by patching one layer at one position. */
    public double recovered(int layer, int position) {
        return baseline.recovered(measure(patched(layer, new int[] {position}), baseline.answer(), baseline.foil()));
    }

    /** Every layer at every position: layers x positions passes ({@link #sweepPasses}). */
    public Sweep sweep(DoubleConsumer progress, BooleanSupplier cancelled) {
        int layers = pass.model().config().layers();
        double[][] r = new double[layers][clean.length];
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < clean.length; p++) {
                Pass.check(cancelled);
                r[l][p] = recovered(l, p);
                if (progress != null) {
                    progress.accept((l * clean.length + p + 1) / (double) sweepPasses());
                }
            }
        }
        return new Sweep(baseline, r);
    }

    public int sweepPasses() {
        return pass.model().config().layers() * clean.length;
    }
}
