package org.llmexplorer.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufValue;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tokenizer.TrainedBpe;
import org.llmexplorer.engine.train.Checkpoint;
import org.llmexplorer.engine.train.Corpus;
import org.llmexplorer.engine.train.LlamaShape;
import org.llmexplorer.engine.train.Trainer;
import org.llmexplorer.engine.train.TrainingData;
import org.llmexplorer.engine.train.TrainingListener;
import org.llmexplorer.engine.train.TrainingSettings;
import picocli.CommandLine.Option;

/** {@code llmx train}: a byte-level BPE tokenizer and a small llama trained from text files, exported as GGUF. */
@picocli.CommandLine.Command(name = "train", description = "train a small llama (and its tokenizer) on text",
        customSynopsis = "llmx train --text FILE... --out MODEL.gguf [options]")
final class TrainCommand implements Command {
    @Option(names = "--text", paramLabel = "FILE", arity = "1..*", required = true,
            description = "the training text: one or more files (the option may also be repeated)")
    private List<Path> textFiles;

    @Option(names = "--out", paramLabel = "MODEL.gguf", required = true, description = "the model to write")
    private Path outPath;

    @Option(names = "--layers", paramLabel = "N", defaultValue = "4", description = "layers (default ${DEFAULT-VALUE})")
    private int layers;

    @Option(names = "--dim", paramLabel = "D", defaultValue = "128", description = "model width (default ${DEFAULT-VALUE})")
    private int dim;

    @Option(names = "--heads", paramLabel = "H", defaultValue = "4", description = "attention heads (default ${DEFAULT-VALUE})")
    private int heads;

    @Option(names = "--kv-heads", paramLabel = "K",
            description = "key/value heads, grouped-query attention (default: heads)")
    private Integer kvHeads;

    @Option(names = "--ffn", paramLabel = "F", description = "feed-forward size (default: 8/3 dim rounded up to 64)")
    private Integer ffn;

    @Option(names = "--vocab", paramLabel = "V", defaultValue = "1024",
            description = "BPE vocabulary size, specials and 256 bytes included (default ${DEFAULT-VALUE})")
    private int vocab;

    @Option(names = "--pre", paramLabel = "NAME", defaultValue = "gpt-2",
            description = "pre-tokenizer (default ${DEFAULT-VALUE}; llama-bpe, qwen2, ... as llama.cpp names them)")
    private String pre;

    @Option(names = "--seq", paramLabel = "T", defaultValue = "128",
            description = "tokens per training sequence (default ${DEFAULT-VALUE})")
    private int seq;

    @Option(names = "--ctx", paramLabel = "N", description = "context length the model declares (default: --seq)")
    private Integer ctx;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "16",
            description = "sequences per step (default ${DEFAULT-VALUE})")
    private int batch;

    @Option(names = "--steps", paramLabel = "S", description = "optimiser steps (default 200; with --resume: the "
            + "checkpoint's)")
    private Integer steps;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "3e-3",
            description = "peak learning rate (default ${DEFAULT-VALUE})")
    private float lr;

    @Option(names = "--warmup", paramLabel = "N", description = "warm-up steps (default: steps/20)")
    private Integer warmup;

    @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0.1",
            description = "AdamW decoupled weight decay (default ${DEFAULT-VALUE})")
    private float weightDecay;

    @Option(names = "--clip", paramLabel = "X", defaultValue = "1",
            description = "clip gradients to this global norm (default ${DEFAULT-VALUE}; 0: no clipping)")
    private float clip;

    @Option(names = "--val-fraction", paramLabel = "X", defaultValue = "0.05",
            description = "held-out share of each text (default ${DEFAULT-VALUE})")
    private float valFraction;

    @Option(names = "--eval-every", paramLabel = "N", defaultValue = "50",
            description = "steps between validation losses (default ${DEFAULT-VALUE})")
    private int evalEvery;

    @Option(names = "--eval-batches", paramLabel = "N", defaultValue = "4",
            description = "batches of each validation (default ${DEFAULT-VALUE})")
    private int evalBatches;

    @Option(names = "--mask", paramLabel = "SPEC", defaultValue = "causal",
            description = "train under an attention mask plan, e.g. sliding:w=32 (default ${DEFAULT-VALUE})")
    private String mask;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "weights and data order (default ${DEFAULT-VALUE})")
    private long seed;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "write DIR/checkpoint.gguf every --checkpoint-every steps and at the end")
    private Path checkpoint;

    @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "100",
            description = "steps between checkpoints (default ${DEFAULT-VALUE})")
    private int checkpointEvery;

    @Option(names = "--resume", description = "continue the run in --checkpoint DIR (its settings; --steps may extend it)")
    private boolean resume;

    @Option(names = "--type", paramLabel = "f32|f16", defaultValue = "f32",
            description = "weight type of the exported matrices (default ${DEFAULT-VALUE})")
    private String type;

    @Option(names = "--name", paramLabel = "TEXT", description = "general.name of the model")
    private String name;

    @Option(names = "--val-text", paramLabel = "FILE", description = "also write the held-out text there (for llmx perplexity)")
    private Path valText;

    @Option(names = "--threads", paramLabel = "N", description = "threads (default: all cores)")
    private Integer threadCount;

    @Option(names = "--log", paramLabel = "FILE.jsonl", description = "one JSON object per step and per validation")
    private Path logFile;

    @Option(names = "--json", description = "end by printing one JSON object (first_loss, final_loss, val_loss, "
            + "tokens_per_s, ...)")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        GgmlType weightType = switch (type.toLowerCase()) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            default -> throw new UsageException("--type must be f32 or f16");
        };
        if (resume && (checkpoint == null || !Files.exists(Checkpoint.file(checkpoint)))) {
            throw new UsageException("--resume needs --checkpoint DIR holding " + Checkpoint.FILE);
        }
        int threads = threadCount == null ? Backends.defaultThreads() : threadCount;
        if (threads < 1) {
            throw new UsageException("--threads must be at least 1");
        }
        List<String> texts = new ArrayList<>();
        for (Path f : textFiles) {
            texts.add(Files.readString(f, StandardCharsets.UTF_8));
        }

        long t0 = System.nanoTime();
        TrainingSettings settings;
        TrainedBpe given = null;
        if (resume) {
            settings = Trainer.settingsFromJson(Checkpoint.settings(checkpoint));
            settings = settings.withSteps(steps != null ? steps : settings.steps());
            try (GgufFile f = GgufFile.open(Checkpoint.file(checkpoint))) {
                given = TrainedBpe.from(f);
            }
        } else {
            settings = settings();
        }
        System.err.printf("llmx train: preparing %d text(s)%s...%n", texts.size(),
                given == null ? ", learning a " + settings.vocab() + "-token BPE vocabulary" : "");
        Corpus corpus = Corpus.prepare(texts, settings.valFraction(), given, settings.vocab(), settings.preTokenizer());
        if (corpus.tokenizer().size() != settings.vocab()) { // the text had fewer frequent pairs than merges asked for
            settings = settings.withVocab(corpus.tokenizer().size());
        }
        double prepSeconds = (System.nanoTime() - t0) / 1e9;
        if (valText != null) {
            Files.writeString(valText, corpus.validationText(), StandardCharsets.UTF_8);
        }
        TrainingData data = new TrainingData(corpus.train(), corpus.validation(), settings.seqLen(), settings.seed());
        System.err.printf("llmx train: %d training tokens, %d held out, vocabulary %d (%.1f s)%n",
                data.trainTokens(), data.validationTokens(), settings.vocab(), prepSeconds);

        try (Trainer trainer = new Trainer(settings, data, corpus.tokenizer(), threads);
             PrintWriter log = logFile != null ? new PrintWriter(Files.newBufferedWriter(logFile)) : null) {
            if (resume) {
                trainer.resume(checkpoint);
                System.err.printf("llmx train: resuming at step %d of %d%n", trainer.step(), settings.steps());
            }
            System.err.printf("llmx train: %,d parameters, %d x %d tokens a step, %d steps, mask %s, %d threads%n",
                    settings.shape().parameters(), settings.batch(), settings.seqLen(), settings.steps(),
                    trainer.maskPlan().spec(), threads);
            Progress progress = new Progress(settings.steps(), log);
            Trainer.Summary summary = trainer.run(progress, () -> false, checkpoint, checkpointEvery);
            progress.finish();
            Map<String, GgufValue> extra = new LinkedHashMap<>();
            extra.put("general.description", GgufValue.ofString("trained by llmx train: " + Trainer.settingsJson(settings)));
            trainer.export(outPath, weightType, name != null ? name : "llmx " + settings.layers() + "x" + settings.dim(),
                    extra);
            if (json) {
                out.println(Json.write(summaryJson(summary, settings, data, outPath, prepSeconds)));
            } else {
                String val = summary.validated()
                        ? String.format("validation %.4f (perplexity %.2f)", summary.validationLoss(),
                                Math.exp(summary.validationLoss()))
                        : Trainer.Summary.NO_VALIDATION;
                out.printf("trained %d steps: loss %.4f -> %.4f, %s, %.0f tokens/s; wrote %s%n",
                        summary.steps(), summary.firstLoss(), summary.finalLoss(), val, summary.tokensPerSecond(),
                        outPath);
            }
        }
        return 0;
    }

    private TrainingSettings settings() {
        int totalSteps = steps != null ? steps : 200;
        int ffnDim = ffn != null && ffn > 0 ? ffn : LlamaShape.of(1, dim, 1, 1, 0, 1, 1).ffnDim();
        try {
            Trainer.masks(mask);
            return new TrainingSettings(layers, dim, heads, kvHeads != null ? kvHeads : heads, ffnDim, vocab,
                    ctx != null ? ctx : seq, seq, batch, totalSteps, lr,
                    warmup != null ? warmup : Math.max(1, totalSteps / 20), weightDecay, clip, 0.9f, 0.95f,
                    valFraction, seed, mask, evalEvery, evalBatches, pre);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Map<String, Object> summaryJson(Trainer.Summary s, TrainingSettings settings, TrainingData data,
                                                   Path out, double prepSeconds) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("first_loss", s.firstLoss());
        json.put("final_loss", s.finalLoss());
        json.put("val_loss", s.validated() ? s.validationLoss() : null); // null, not NaN (which is not JSON)
        json.put("val_ppl", s.validated() ? Math.exp(s.validationLoss()) : null);
        json.put("tokens_per_s", s.tokensPerSecond());
        json.put("steps", s.steps());
        json.put("train_seconds", s.seconds());
        json.put("prepare_seconds", prepSeconds);
        json.put("parameters", settings.shape().parameters());
        json.put("train_tokens", data.trainTokens());
        json.put("val_tokens", data.validationTokens());
        json.put("settings", settings);
        json.put("out", out.toString());
        json.put("bytes", Files.size(out));
        return json;
    }

    /** The progress bar on standard error and the JSON lines of the log. */
    private static final class Progress implements TrainingListener {
        private final int steps;
        private final PrintWriter log;
        private final boolean terminal = System.console() != null;
        private final long start = System.nanoTime();
        private double smoothed = Double.NaN;
        private double val = Double.NaN;

        Progress(int steps, PrintWriter log) {
            this.steps = steps;
            this.log = log;
        }

        @Override
        public void step(Step s) {
            smoothed = Double.isNaN(smoothed) ? s.loss() : 0.9 * smoothed + 0.1 * s.loss();
            if (log != null) {
                log.printf("{\"step\":%d,\"loss\":%.6f,\"lr\":%.6g,\"grad_norm\":%.6g,\"tokens_per_s\":%.1f,\"seconds\":%.4f}%n",
                        s.step(), s.loss(), s.lr(), s.gradNorm(), s.tokensPerSecond(), s.seconds());
                log.flush();
            }
            if (terminal || s.step() % Math.max(1, steps / 100) == 0 || s.step() == s.steps()) {
                double elapsed = (System.nanoTime() - start) / 1e9;
                double eta = elapsed / Math.max(1, s.step()) * (s.steps() - s.step());
                int filled = (int) (30L * s.step() / s.steps());
                String shownVal = Double.isNaN(val) ? "-" : String.format("%.4f", val); // none before the first evaluation
                System.err.printf("%s[%s%s] %d/%d loss %.4f (avg %.4f) val %s lr %.2e %.0f tok/s eta %s%s",
                        terminal ? "\r" : "", "#".repeat(filled), ".".repeat(30 - filled), s.step(), s.steps(), s.loss(),
                        smoothed, shownVal, s.lr(), s.tokensPerSecond(), time(eta), terminal ? "" : "\n");
            }
        }

        @Override
        public void validation(long step, double loss) {
            val = loss;
            if (log != null) {
                log.printf("{\"step\":%d,\"val_loss\":%.6f}%n", step, loss);
                log.flush();
            }
        }

        void finish() {
            if (terminal) {
                System.err.println();
            }
        }

        private static String time(double seconds) {
            long s = Math.round(seconds);
            return String.format("%d:%02d", s / 60, s % 60);
        }
    }
}
