package org.llmexplorer.engine.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

/** {@code llmx train}: a byte-level BPE tokenizer and a small llama trained from text files, exported as GGUF. */
final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String usage() {
        return """
                train --text FILE... --out MODEL.gguf [options]   train a small llama (and its tokenizer) on text
                  --layers N --dim D --heads H   shape (default 4, 128, 4)
                  --kv-heads K           key/value heads, grouped-query attention (default: heads)
                  --ffn F                feed-forward size (default: 8/3 dim rounded up to 64)
                  --vocab V              BPE vocabulary size, specials and 256 bytes included (default 1024)
                  --pre NAME             pre-tokenizer (default gpt-2; llama-bpe, qwen2, ... as llama.cpp names them)
                  --seq T                tokens per training sequence (default 128)
                  --ctx N                context length the model declares (default: --seq)
                  --batch B              sequences per step (default 16)
                  --steps S              optimiser steps (default 200)
                  --lr X                 peak learning rate (default 3e-3), --warmup N steps (default steps/20)
                  --weight-decay X       AdamW decoupled weight decay (default 0.1)
                  --clip X               clip gradients to this global norm (default 1; 0: no clipping)
                  --val-fraction X       held-out share of each text (default 0.05)
                  --eval-every N         steps between validation losses (default 50), --eval-batches N (default 4)
                  --mask SPEC            train under an attention mask plan, e.g. sliding:w=32 (default causal)
                  --seed N               weights and data order (default 1)
                  --checkpoint DIR       write DIR/checkpoint.gguf every --checkpoint-every N steps (default 100) and at the end
                  --resume               continue the run in --checkpoint DIR (its settings; --steps may extend it)
                  --type f32|f16         weight type of the exported matrices (default f32)
                  --name TEXT            general.name of the model
                  --val-text FILE        also write the held-out text there (for llmx perplexity)
                  --threads N            (default: all cores)
                  --log FILE.jsonl       one JSON object per step and per validation
                  --json                 end by printing one JSON object (first_loss, final_loss, val_loss, tokens_per_s, ...)""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(repeatTextOption(argList), Set.of("text", "out", "layers", "dim", "heads", "kv-heads", "ffn",
                "vocab", "pre", "seq", "ctx", "batch", "steps", "lr", "warmup", "weight-decay", "clip", "val-fraction",
                "eval-every", "eval-batches", "mask", "seed", "checkpoint", "checkpoint-every", "type", "name",
                "val-text", "threads", "log"), Set.of("json", "resume"));
        List<String> files = args.all("text");
        if (files.isEmpty()) {
            throw new UsageException("option --text is required");
        }
        Path outPath = Path.of(args.required("out"));
        GgmlType type = switch (args.string("type", "f32").toLowerCase()) {
            case "f32" -> GgmlType.F32;
            case "f16" -> GgmlType.F16;
            default -> throw new UsageException("--type must be f32 or f16");
        };
        Path checkpoint = args.has("checkpoint") ? Path.of(args.required("checkpoint")) : null;
        boolean resume = args.flag("resume");
        if (resume && (checkpoint == null || !Files.exists(Checkpoint.file(checkpoint)))) {
            throw new UsageException("--resume needs --checkpoint DIR holding " + Checkpoint.FILE);
        }
        int threads = args.integer("threads", Backends.defaultThreads());
        List<String> texts = new ArrayList<>();
        for (String f : files) {
            texts.add(Files.readString(Path.of(f), StandardCharsets.UTF_8));
        }

        long t0 = System.nanoTime();
        TrainingSettings settings;
        TrainedBpe given = null;
        if (resume) {
            settings = Trainer.settingsFromJson(Checkpoint.settings(checkpoint));
            settings = settings.withSteps(args.integer("steps", settings.steps()));
            try (GgufFile f = GgufFile.open(Checkpoint.file(checkpoint))) {
                given = TrainedBpe.from(f);
            }
        } else {
            settings = settingsFrom(args);
        }
        System.err.printf("llmx train: preparing %d text(s)%s...%n", texts.size(),
                given == null ? ", learning a " + settings.vocab() + "-token BPE vocabulary" : "");
        Corpus corpus = Corpus.prepare(texts, settings.valFraction(), given, settings.vocab(), settings.preTokenizer());
        if (corpus.tokenizer().size() != settings.vocab()) { // the text had fewer frequent pairs than merges asked for
            settings = settings.withVocab(corpus.tokenizer().size());
        }
        double prepSeconds = (System.nanoTime() - t0) / 1e9;
        if (args.has("val-text")) {
            Files.writeString(Path.of(args.required("val-text")), corpus.validationText(), StandardCharsets.UTF_8);
        }
        TrainingData data = new TrainingData(corpus.train(), corpus.validation(), settings.seqLen(), settings.seed());
        System.err.printf("llmx train: %d training tokens, %d held out, vocabulary %d (%.1f s)%n",
                data.trainTokens(), data.validationTokens(), settings.vocab(), prepSeconds);

        try (Trainer trainer = new Trainer(settings, data, corpus.tokenizer(), threads);
             PrintWriter log = args.has("log") ? new PrintWriter(Files.newBufferedWriter(Path.of(args.required("log"))))
                     : null) {
            if (resume) {
                trainer.resume(checkpoint);
                System.err.printf("llmx train: resuming at step %d of %d%n", trainer.step(), settings.steps());
            }
            System.err.printf("llmx train: %,d parameters, %d x %d tokens a step, %d steps, mask %s, %d threads%n",
                    settings.shape().parameters(), settings.batch(), settings.seqLen(), settings.steps(),
                    trainer.maskPlan().spec(), threads);
            Progress progress = new Progress(settings.steps(), log);
            Trainer.Summary summary = trainer.run(progress, () -> false, checkpoint,
                    args.integer("checkpoint-every", 100));
            progress.finish();
            Map<String, GgufValue> extra = new LinkedHashMap<>();
            extra.put("general.description", GgufValue.ofString("trained by llmx train: " + Trainer.settingsJson(settings)));
            trainer.export(outPath, type, args.string("name", "llmx " + settings.layers() + "x" + settings.dim()), extra);
            Map<String, Object> json = summaryJson(summary, settings, data, outPath, prepSeconds);
            if (args.flag("json")) {
                out.println(Json.write(json));
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

    /** {@code --text a b c} as {@code --text a --text b --text c}: files follow the option until the next option. */
    private static List<String> repeatTextOption(List<String> args) {
        List<String> out = new ArrayList<>();
        boolean inText = false;
        for (String a : args) {
            if (a.startsWith("--")) {
                inText = a.equals("--text");
                out.add(a);
            } else if (inText && !out.getLast().equals("--text")) {
                out.add("--text");
                out.add(a);
            } else {
                out.add(a);
            }
        }
        return out;
    }

    private static TrainingSettings settingsFrom(Args a) {
        int steps = a.integer("steps", 200);
        int seq = a.integer("seq", 128);
        int heads = a.integer("heads", 4);
        int dim = a.integer("dim", 128);
        int ffn = a.integer("ffn", 0) > 0 ? a.integer("ffn", 0) : LlamaShape.of(1, dim, 1, 1, 0, 1, 1).ffnDim();
        try {
            Trainer.masks(a.string("mask", "causal"));
            return new TrainingSettings(a.integer("layers", 4), dim, heads,
                    a.integer("kv-heads", heads), ffn, a.integer("vocab", 1024), a.integer("ctx", seq),
                    seq, a.integer("batch", 16), steps, a.number("lr", 3e-3f), a.integer("warmup", Math.max(1, steps / 20)),
                    a.number("weight-decay", 0.1f), a.number("clip", 1f), 0.9f, 0.95f, a.number("val-fraction", 0.05f),
                    a.longValue("seed", 1), a.string("mask", "causal"), a.integer("eval-every", 50),
                    a.integer("eval-batches", 4), a.string("pre", "gpt-2"));
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
