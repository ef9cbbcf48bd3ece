package org.llmexplorer.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tokenizer.TrainedBpe;

/**
 * A training run: next-token prediction on packed windows, AdamW with warm-up and cosine decay,
 * gradients clipped by their global norm, validation loss on held-out windows, checkpoints that
 * resume bit for bit.
 */
public final class Trainer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a run ended. */
    public record Summary(long steps, double firstLoss, double finalLoss, double validationLoss,
                          double tokensPerSecond, double seconds, boolean cancelled) {
        /** What to say instead of a validation loss when there was none. */
        public static final String NO_VALIDATION = "no validation (the held-out text is shorter than one sequence)";

        /** Whether there was a validation loss (NaN where no held-out window existed). */
        public boolean validated() {
            return Double.isFinite(validationLoss);
        }
    }

    private final TrainingSettings settings;
    private final TrainingData data;
    private final TrainedBpe tokenizer;
    private final MaskPlan masks;
    private final LlamaParameters params;
    private final AdamW adam;
    private final Parallel parallel;
    private final LlamaNetwork network;
    private final int[] inputs;
    private final int[] targets;
    private long step;

    public Trainer(TrainingSettings settings, TrainingData data, TrainedBpe tokenizer, int threads) {
        this.settings = settings;
        this.data = data;
        this.tokenizer = tokenizer;
        this.masks = masks(settings.mask());
        this.params = new LlamaParameters(settings.shape()).initialize(settings.seed());
        this.adam = new AdamW(params.all(), settings.beta1(), settings.beta2(), 1e-8f, settings.weightDecay());
        this.parallel = new Parallel(threads);
        this.network = new LlamaNetwork(params, masks, settings.batch(), settings.seqLen(), parallel);
        this.inputs = new int[settings.batch() * settings.seqLen()];
        this.targets = new int[inputs.length];
    }

    /** A mask plan for training: every head must look only backwards, or the model sees what it predicts. */
    public static MaskPlan masks(String spec) {
        MaskPlan plan = MaskPlan.parse(spec == null ? "causal" : spec, MaskPlan.causal());
        if (plan.looksAhead(1024, 1024)) {
            throw new IllegalArgumentException("mask '" + spec + "' lets positions see later tokens, which a "
                    + "next-token model must not see while training");
        }
        return plan;
    }

    /** Continues from a checkpoint written by {@link #saveCheckpoint} with the same settings. */
    public void resume(Path dir) throws IOException {
        step = Checkpoint.load(dir, params, adam);
    }

    public void saveCheckpoint(Path dir) throws IOException {
        Checkpoint.save(dir, params, adam, step, settingsJson(settings), tokenizer.metadata());
    }

    public static String settingsJson(TrainingSettings s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainingSettings settingsFromJson(String json) throws IOException {
        return JSON.readValue(json, TrainingSettings.class);
    }

    /** The next step to run (0 for a new run). */
    public long step() {
        return step;
    }

    public TrainingSettings settings() {
        return settings;
    }

    public LlamaParameters parameters() {
        return params;
    }

    public MaskPlan maskPlan() {
        return masks;
    }

    public TrainedBpe tokenizer() {
        return tokenizer;
    }

    /** One optimiser step on the batch this step number selects; returns its loss before the update. */
    public TrainingListener.Step trainStep() {
        long t0 = System.nanoTime();
        data.trainBatch(step, settings.batch(), inputs, targets);
        params.zeroGrad();
        network.forward(inputs);
        double loss = network.loss(targets, true);
        network.backward();
        double norm = params.gradNorm();
        float scale = settings.clip() > 0 && norm > settings.clip() ? (float) (settings.clip() / norm) : 1f;
        float lr = settings.schedule().at(step);
        adam.update(params.all(), lr, scale);
        step++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new TrainingListener.Step(step, settings.steps(), loss, lr, norm, inputs.length / seconds, seconds);
    }

    /** The mean loss over the first evalBatches batches of held-out windows; NaN without held-out text. */
    public double validationLoss() {
        int windows = data.validationWindows();
        if (windows == 0) {
            return Double.NaN;
        }
        int batches = Math.max(1, Math.min(settings.evalBatches(), windows / settings.batch()));
        double sum = 0;
        for (int b = 0; b < batches; b++) {
            data.validationBatch(b * settings.batch(), settings.batch(), inputs, targets);
            network.forward(inputs);
            sum += network.loss(targets, false);
        }
        return sum / batches;
    }

    /**
     * Trains until the last step or until {@code cancelled} says so (checked between steps), with
     * a validation loss every evalEvery steps and at the end, and a checkpoint every
     * {@code checkpointEvery} steps and at the end when {@code checkpointDir} is given.
     */
    public Summary run(TrainingListener listener, BooleanSupplier cancelled, Path checkpointDir, int checkpointEvery)
            throws IOException {
        double first = Double.NaN;
        double last = Double.NaN;
        double val = Double.NaN;
        double trainSeconds = 0;
        long tokens = 0;
        boolean stopped = false;
        while (step < settings.steps()) {
            if (cancelled.getAsBoolean()) {
                stopped = true;
                break;
            }
            TrainingListener.Step r = trainStep();
            trainSeconds += r.seconds();
            tokens += inputs.length;
            first = Double.isNaN(first) ? r.loss() : first;
            last = r.loss();
            listener.step(r);
            if (step % settings.evalEvery() == 0 || step == settings.steps()) {
                val = validationLoss();
                listener.validation(step, val);
            }
            if (checkpointDir != null && checkpointEvery > 0 && step % checkpointEvery == 0) {
                saveCheckpoint(checkpointDir);
            }
        }
        if (checkpointDir != null) {
            saveCheckpoint(checkpointDir);
        }
        return new Summary(step, first, last, val, trainSeconds > 0 ? tokens / trainSeconds : 0, trainSeconds, stopped);
    }

    /** Writes the model as a llama GGUF file (see {@link ModelExport}). */
    public void export(Path out, GgmlType type, String name, Map<String, GgufValue> extra) throws IOException {
        ModelExport.write(params, tokenizer.metadata(), name, type, masks.spec(), extra, out);
    }

    /** The attention weights of one head for a probe sequence, under the current parameters. */
    public float[][] probeAttention(int[] probe, int layer, int head) {
        LlamaNetwork probeNet = new LlamaNetwork(params, masks, 1, probe.length, parallel);
        probeNet.forward(probe);
        return probeNet.attention(layer, head, 0);
    }

    @Override
    public void close() {
        parallel.close();
    }
}
