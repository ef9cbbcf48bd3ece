package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.bench.Bandwidth;
import org.llmexplorer.engine.bench.Benchmark;
import org.llmexplorer.engine.bench.ModelShape;
import org.llmexplorer.engine.bench.RandomModelWriter;
import org.llmexplorer.engine.bench.WeightMix;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.generate.WarmUp;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.tensor.GgmlType;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx bench}: prompt-processing and generation speed, as JSON figures. */
@picocli.CommandLine.Command(name = "bench", description = "tokens/s of prompt processing and generation",
        customSynopsis = "llmx bench (--model F | --shape NAME [--quant Q]) [options]")
final class BenchCommand implements Command {
    @Option(names = "--model", paramLabel = "F", description = "a GGUF file to measure")
    private Path modelFile;

    @Option(names = "--shape", paramLabel = "NAME", completionCandidates = Shapes.class,
            description = "write a random-weight model of a real model's shape and measure it: ${COMPLETION-CANDIDATES}")
    private String shape;

    @Option(names = "--quant", paramLabel = "Q", defaultValue = "Q8_0", description = "weight type of the random model: "
            + "${DEFAULT-VALUE} (default), Q4_0, Q4_K, Q6_K, ... any type the engine computes; or Q4_K_M or Q5_K_M, "
            + "llama.cpp's mixes with Q6_K")
    private String quant;

    @Option(names = "--keep", paramLabel = "FILE", description = "keep the random model in FILE (and reuse it if it exists)")
    private Path keep;

    @Option(names = "--prompt-tokens", paramLabel = "N", defaultValue = "128",
            description = "prompt length (default ${DEFAULT-VALUE})")
    private int promptTokens;

    @Option(names = "--gen-tokens", paramLabel = "N", defaultValue = "64",
            description = "tokens generated (default ${DEFAULT-VALUE})")
    private int genTokens;

    @Option(names = "--depth", paramLabel = "N", defaultValue = "0",
            description = "measure with N tokens already in the context (as llama-bench -d; default ${DEFAULT-VALUE})")
    private int depth;

    @Mixin
    private KvCacheOption kv;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + org.llmexplorer.engine.generate.Generator.DEFAULT_BATCH,
            description = "prompt tokens per forward pass (default ${DEFAULT-VALUE})")
    private int batch;

    @Option(names = "--repetitions", paramLabel = "N", defaultValue = "3",
            description = "measurements of each (default ${DEFAULT-VALUE})")
    private int repetitions;

    @Mixin
    private BackendOptions backend;

    @Option(names = "--mask", paramLabel = "SPEC", description = "run under an attention mask plan (see llmx mask "
            + "--help); reports the attention time and attended pairs of prompt processing")
    private String mask;

    /** Whether attention stages a float KV cache a window at a time on the simd backend. */
    enum Staging { AUTO, ON, OFF }

    @Option(names = "--float-cache-staging", paramLabel = "S", defaultValue = "AUTO",
            description = "simd backend: copy a float KV cache a window at a time before attention reads it (on), "
                    + "read it in place (off), or as this machine's default (auto: staged with fewer than 16 float "
                    + "lanes); the same results either way")
    private Staging staging;

    @Option(names = "--no-bandwidth", description = "skip the memory bandwidth and float peak measurements")
    private boolean noBandwidth;

    @Option(names = "--json", description = "print one line of JSON (else indented)")
    private boolean jsonLine;

    /** The shapes --shape knows, for the help and the shell's completion. */
    static final class Shapes implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ModelShape.PRESETS.keySet().iterator();
        }
    }

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        if ((modelFile != null) == (shape != null)) {
            throw new UsageException("give either --model or --shape");
        }
        int threads = backend.threads();
        int pp = promptTokens;
        int tg = genTokens;
        if (batch < 1 || repetitions < 1 || pp < 0 || tg < 0 || pp + tg == 0 || depth < 0) {
            throw new UsageException("threads, batch and repetitions must be positive, token counts not negative");
        }

        Map<String, Object> json = new LinkedHashMap<>();
        Path path;
        Path temporary = null;
        if (shape != null) {
            ModelShape named = ModelShape.named(shape);
            WeightMix type;
            try {
                type = WeightMix.parse(quant);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            path = keep;
            if (path == null || !Files.exists(path)) {
                if (path == null) {
                    path = temporary = Files.createTempFile("llmx-" + named.name() + "-", ".gguf");
                }
                long t0 = System.nanoTime();
                RandomModelWriter.write(named, type, path, 1);
                json.put("write_ms", (System.nanoTime() - t0) / 1_000_000);
            }
            json.put("shape", named.name());
            json.put("quant", type.name());
        } else {
            path = modelFile;
        }
        try {
            if (!noBandwidth) {
                json.put("bandwidth_gbps", round(Bandwidth.readGigabytesPerSecond(threads, 1L << 30)));
                json.put("float_peak_gflops", round(org.llmexplorer.engine.bench.FloatPeak.gflops(threads, 0.5)));
            }
            long t0 = System.nanoTime();
            try (Model model = Model.open(path);
                 Compute ops = Backends.create(backend.backend(), threads)) {
                json.put("load_ms", (System.nanoTime() - t0) / 1_000_000);
                if (ops instanceof SimdCompute simd) {
                    if (staging != Staging.AUTO) {
                        simd.stageFloatCache(staging == Staging.ON);
                    }
                    json.put("float_cache_staged", simd.stagesFloatCache());
                }
                long t1 = System.nanoTime();
                long[] prepared = {0};
                WarmUp.ready(model, ops, (phase, fraction) -> { // as the window readies a model it opens
                    if (prepared[0] == 0 && phase.equals(WarmUp.WARMING_PHASE)) {
                        prepared[0] = System.nanoTime();
                    }
                });
                long t2 = System.nanoTime();
                json.put("ready_ms", (t2 - t1) / 1_000_000);
                json.put("prepare_ms", (prepared[0] - t1) / 1_000_000); // repacking (and compiling the kernels)
                json.put("warm_up_ms", (t2 - prepared[0]) / 1_000_000); // the forward pass that compiles the rest
                json.put("model", path.getFileName().toString());
                json.put("model_bytes", Files.size(path));
                long weightBytes = weightBytesPerToken(model);
                json.put("weight_bytes_per_token", weightBytes);
                json.put("backend", ops.name());
                json.put("runs_on", ops.describe());
                json.put("threads", ops.threads());
                json.put("prompt_tokens", pp);
                json.put("gen_tokens", tg);
                json.put("batch", batch);
                json.put("depth", depth);
                MaskPlan masks = mask != null ? MaskPlan.parse(mask, model.config().trainedMask())
                        : model.config().trainedMask();
                json.put("mask", masks.spec());
                Benchmark.Result r = Benchmark.run(model, ops, masks, pp, tg, batch, repetitions, depth, kv.type());
                json.put("kv_type", kv.type().name());
                json.put("kv_cache_mb", round(KvCache.bytes(model.config().layers(), model.config().kvDim(),
                        depth + Math.max(pp, tg), kv.type()) / 1048576.0));
                json.put("pp_tps", round(r.ppMean()));
                json.put("tg_tps", round(r.tgMean()));
                json.put("pp_tps_runs", roundAll(r.ppTps()));
                json.put("tg_tps_runs", roundAll(r.tgTps()));
                json.put("tg_gbps", round(r.tgMean() * weightBytes / 1e9));
                json.put("pp_gflops", round(r.ppGflops()));
                json.put("tg_gflops", round(r.tgGflops()));
                if (r.firstPrompt() > 0) { // the first prompt after ready_ms, before the bench's warm-up
                    json.put("first_pp_tokens", r.firstPrompt());
                    json.put("first_pp_ms", round(r.firstPromptMs()));
                }
                if (pp > 0) {
                    json.put("pp_ms", round(pp * 1000.0 / r.ppMean()));
                    json.put("pp_attention_ms", round(r.ppAttentionMs()));
                    json.put("pp_attended_pairs", r.ppAttendedPairs());
                    json.put("pp_attention_gflop", round(r.ppAttentionFlops() / 1e9));
                }
                if (tg > 0) {
                    json.put("tg_attention_ms", round(r.tgAttentionMs()));
                }
                if (json.get("bandwidth_gbps") instanceof Double bw) {
                    json.put("tg_ceiling_tps", round(bw * 1e9 / weightBytes));
                }
                json.put("peak_heap_mb", round(r.peakHeapBytes() / 1048576.0));
                json.put("max_heap_mb", round(Runtime.getRuntime().maxMemory() / 1048576.0));
            }
        } finally {
            if (temporary != null) {
                Files.deleteIfExists(temporary);
            }
        }
        out.println(jsonLine ? Json.write(json) : Json.pretty(json));
        return 0;
    }

    /** Bytes of weights one generated token reads: every matrix once (the embedding row is negligible). */
    private static long weightBytesPerToken(Model model) {
        var w = model.transformer().weights();
        long sum = w.output().byteSize();
        for (var l : w.layers()) {
            sum += l.wq().byteSize() + l.wk().byteSize() + l.wv().byteSize() + l.wo().byteSize()
                    + l.gate().byteSize() + l.up().byteSize() + l.down().byteSize();
        }
        return sum;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static double[] roundAll(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = round(v[i]);
        }
        return out;
    }
}
