package org.llmexplorer.app.viewmodel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tokenizer.Tokenizer;
import org.llmexplorer.engine.train.Corpus;
import org.llmexplorer.engine.train.Trainer;
import org.llmexplorer.engine.train.TrainingData;
import org.llmexplorer.engine.train.TrainingListener;
import org.llmexplorer.engine.train.TrainingSettings;

/**
 * The Train panel: a text file, a model shape and a few optimiser settings; a run on its own
 * thread (never the UI thread) that can be cancelled between steps; the training and validation
 * loss curves; and the attention weights of a fixed probe sentence, refreshed as the model
 * learns. A finished model can be exported and opened.
 */
public final class TrainViewModel implements AutoCloseable {
    /** One point of a loss curve. */
    public record LossPoint(long step, double loss) {
    }

    /** The attention of one head over the probe sentence, with the probe's token texts. */
    public record ProbeAttention(float[][] weights, String[] tokens, long step) {
    }

    private final AppContext ctx;
    public final StringProperty textFile = new SimpleStringProperty("");
    public final IntegerProperty layers = new SimpleIntegerProperty(2);
    public final IntegerProperty dim = new SimpleIntegerProperty(64);
    public final IntegerProperty heads = new SimpleIntegerProperty(4);
    public final IntegerProperty vocab = new SimpleIntegerProperty(512);
    public final IntegerProperty steps = new SimpleIntegerProperty(300);
    public final IntegerProperty seqLen = new SimpleIntegerProperty(64);
    public final IntegerProperty batch = new SimpleIntegerProperty(8);
    public final DoubleProperty lr = new SimpleDoubleProperty(3e-3);
    public final StringProperty mask = new SimpleStringProperty("causal");
    public final StringProperty probe = new SimpleStringProperty("In the beginning was the word.");
    public final IntegerProperty probeLayer = new SimpleIntegerProperty(0);
    public final IntegerProperty probeHead = new SimpleIntegerProperty(0);
    /** Steps between probe refreshes. */
    public final IntegerProperty probeEvery = new SimpleIntegerProperty(10);

    private final ObservableList<LossPoint> trainLoss = FXCollections.observableArrayList();
    private final ObservableList<LossPoint> validationLoss = FXCollections.observableArrayList();
    private final ReadOnlyObjectWrapper<ProbeAttention> attention = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyBooleanWrapper trained = new ReadOnlyBooleanWrapper(false);
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("choose a text file and press Train");
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "llmx-train");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean cancel = new AtomicBoolean();
    private volatile Trainer trainer;

    TrainViewModel(AppContext ctx) {
        this.ctx = ctx;
    }

    public ObservableList<LossPoint> trainLoss() {
        return trainLoss;
    }

    public ObservableList<LossPoint> validationLoss() {
        return validationLoss;
    }

    public ReadOnlyObjectProperty<ProbeAttention> attentionProperty() {
        return attention.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }

    /** Whether a model has been trained (and can be exported). */
    public ReadOnlyBooleanProperty trainedProperty() {
        return trained.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    /** Starts a run with the current settings; completes (off the UI thread) when it ends or is cancelled. */
    public CompletableFuture<Trainer.Summary> start() {
        if (running.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("a run is going on"));
        }
        TrainingSettings settings;
        try {
            int s = steps.get();
            settings = new TrainingSettings(layers.get(), dim.get(), heads.get(), heads.get(), 0, vocab.get(),
                    seqLen.get(), seqLen.get(), batch.get(), s, (float) lr.get(), Math.max(1, s / 20), 0.1f, 1f, 0.9f,
                    0.95f, 0.05f, 1, mask.get(), Math.max(1, s / 20), 2, "gpt-2");
            Trainer.masks(settings.mask());
        } catch (IllegalArgumentException e) {
            status.set(e.getMessage());
            return CompletableFuture.failedFuture(e);
        }
        Path file = Path.of(textFile.get());
        String probeText = probe.get();
        int layer = Math.min(probeLayer.get(), settings.layers() - 1);
        int head = Math.min(probeHead.get(), settings.heads() - 1);
        int every = Math.max(1, probeEvery.get());
        trainLoss.clear();
        validationLoss.clear();
        attention.set(null);
        cancel.set(false);
        running.set(true);
        trained.set(false);
        progress.set(0);
        status.set("reading and tokenizing " + file.getFileName() + "…");
        return CompletableFuture.supplyAsync(() -> {
            try {
                return train(settings, file, probeText, layer, head, every);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, worker).whenComplete((summary, error) -> ctx.ui.execute(() -> {
            running.set(false);
            if (error != null) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                status.set("training failed: " + cause.getMessage());
            } else {
                trained.set(true);
                String val = summary.validated() ? String.format("validation %.3f", summary.validationLoss())
                        : Trainer.Summary.NO_VALIDATION;
                status.set(String.format("%s after %d steps: loss %.3f, %s, %.0f tokens/s",
                        summary.cancelled() ? "cancelled" : "done", summary.steps(), summary.finalLoss(), val,
                        summary.tokensPerSecond()));
            }
        }));
    }

    private Trainer.Summary train(TrainingSettings requested, Path file, String probeText, int layer, int head,
                                  int every) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Corpus corpus = Corpus.prepare(List.of(text), requested.valFraction(), null, requested.vocab(), "gpt-2");
        TrainingSettings s = corpus.tokenizer().size() == requested.vocab() ? requested
                : requested.withVocab(corpus.tokenizer().size());
        TrainingData data = new TrainingData(corpus.train(), corpus.validation(), s.seqLen(), s.seed());
        Tokenizer tokenizer = corpus.tokenizer().tokenizer();
        int[] probeTokens = tokenizer.encode(probeText, true, false);
        if (probeTokens.length > s.seqLen()) {
            probeTokens = java.util.Arrays.copyOf(probeTokens, s.seqLen());
        }
        String[] labels = new String[probeTokens.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = new String(tokenizer.piece(probeTokens[i], true), StandardCharsets.UTF_8);
        }
        int[] probeIds = probeTokens;
        Trainer t = new Trainer(s, data, corpus.tokenizer(), Runtime.getRuntime().availableProcessors());
        Trainer previous = trainer;
        trainer = t;
        if (previous != null) {
            previous.close();
        }
        showProbe(t, probeIds, labels, layer, head);
        return t.run(new TrainingListener() {
            @Override
            public void step(Step r) {
                LossPoint point = new LossPoint(r.step(), r.loss());
                String line = String.format("step %d / %d: loss %.3f, %.0f tokens/s", r.step(), r.steps(), r.loss(),
                        r.tokensPerSecond());
                ctx.ui.execute(() -> {
                    trainLoss.add(point);
                    progress.set((double) r.step() / r.steps());
                    status.set(line);
                });
                if (r.step() % every == 0 || r.step() == r.steps()) {
                    showProbe(t, probeIds, labels, layer, head);
                }
            }

            @Override
            public void validation(long step, double loss) {
                if (!Double.isFinite(loss)) { // no held-out windows: nothing to draw (a NaN point blanks the chart)
                    return;
                }
                LossPoint point = new LossPoint(step, loss);
                ctx.ui.execute(() -> validationLoss.add(point));
            }
        }, cancel::get, null, 0);
    }

    private void showProbe(Trainer t, int[] probeIds, String[] labels, int layer, int head) {
        ProbeAttention a = new ProbeAttention(t.probeAttention(probeIds, layer, head), labels, t.step());
        ctx.ui.execute(() -> attention.set(a));
    }


    /** Asks the run to stop after the step it is in. */
    public void cancel() {
        cancel.set(true);
    }

    /** Writes the trained model as a GGUF file (F32); runs on the training thread. */
    public CompletableFuture<Path> export(Path out) {
        Trainer t = trainer;
        if (t == null || running.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no finished model to export"));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                t.export(out, GgmlType.F32, "trained in LLM Explorer", Map.of());
                ctx.notice("wrote " + out);
                return out;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, worker);
    }

    @Override
    public void close() {
        cancel.set(true);
        Trainer t = trainer;
        if (t != null) {
            worker.execute(t::close); // after the run, which stops at the next step
        }
        worker.shutdown();
    }
}
