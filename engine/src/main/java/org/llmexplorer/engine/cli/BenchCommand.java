package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.bench.Bandwidth;
import org.llmexplorer.engine.bench.Benchmark;
import org.llmexplorer.engine.bench.ModelShape;
import org.llmexplorer.engine.bench.RandomModelWriter;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.tensor.GgmlType;

/** {@code llmx bench}: prompt-processing and generation speed, as JSON figures. */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String usage() {
        return """
                bench [--model F | --shape NAME --quant Q] [options]   tokens/s of prompt processing and generation
                  --model F            a GGUF file to measure
                  --shape NAME         write a random-weight model of a real model's shape and measure it:
                                       %s
                  --quant Q            weight type of the random model: Q8_0 (default), Q4_0, Q4_K, Q6_K, ... any type
                                       the engine computes
                  --keep FILE          keep the random model in FILE (and reuse it if it exists)
                  --prompt-tokens N    prompt length (default 128)
                  --gen-tokens N       tokens generated (default 64)
                  --depth N            measure with N tokens already in the context (as llama-bench -d; default 0)
                  --batch N            prompt tokens per forward pass (default 32)
                  --repetitions N      measurements of each (default 3)
                  --threads N          threads (default: all cores)
                  --backend B          scalar, simd (default), opencl or auto (OpenCL on a GPU, else simd)
                  --device D           with opencl: a device index or name from llmx devices
                  --mask SPEC          run under an attention mask plan (see llmx mask --help); reports the
                                       attention time and attended pairs of prompt processing
                  --no-bandwidth       skip the memory bandwidth and float peak measurements
                  --json               print one JSON object""".formatted(String.join(", ", ModelShape.PRESETS.keySet()));
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "shape", "quant", "keep", "prompt-tokens", "gen-tokens", "batch",
                "repetitions", "threads", "backend", "device", "mask", "depth"), Set.of("json", "no-bandwidth"));
        if (args.has("model") == args.has("shape")) {
            throw new UsageException("give either --model or --shape");
        }
        int threads = args.integer("threads", Backends.defaultThreads());
        int pp = args.integer("prompt-tokens", 128);
        int tg = args.integer("gen-tokens", 64);
        int batch = args.integer("batch", 32);
        int repetitions = args.integer("repetitions", 3);
        int depth = args.integer("depth", 0);
        if (threads < 1 || pp < 0 || tg < 0 || batch < 1 || repetitions < 1 || pp + tg == 0 || depth < 0) {
            throw new UsageException("threads, batch and repetitions must be positive, token counts not negative");
        }

        Map<String, Object> json = new LinkedHashMap<>();
        Path path;
        Path temporary = null;
        if (args.has("shape")) {
            ModelShape shape = ModelShape.named(args.required("shape"));
            GgmlType quant = GgmlType.valueOf(args.string("quant", "Q8_0").toUpperCase());
            path = args.has("keep") ? Path.of(args.required("keep")) : null;
            if (path == null || !Files.exists(path)) {
                if (path == null) {
                    path = temporary = Files.createTempFile("llmx-" + shape.name() + "-", ".gguf");
                }
                long t0 = System.nanoTime();
                RandomModelWriter.write(shape, quant, path, 1);
                json.put("write_ms", (System.nanoTime() - t0) / 1_000_000);
            }
            json.put("shape", shape.name());
            json.put("quant", quant.name());
        } else {
            path = Path.of(args.required("model"));
        }
        try {
            if (!args.flag("no-bandwidth")) {
                json.put("bandwidth_gbps", round(Bandwidth.readGigabytesPerSecond(threads, 1L << 30)));
                json.put("float_peak_gflops", round(org.llmexplorer.engine.bench.FloatPeak.gflops(threads, 0.5)));
            }
            long t0 = System.nanoTime();
            try (Model model = Model.open(path);
                 Compute ops = Backends.create(args.backend(), threads)) {
                json.put("load_ms", (System.nanoTime() - t0) / 1_000_000);
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
                MaskPlan masks = args.has("mask") ? MaskPlan.parse(args.required("mask"), model.config().trainedMask())
                        : model.config().trainedMask();
                json.put("mask", masks.spec());
                Benchmark.Result r = Benchmark.run(model, ops, masks, pp, tg, batch, repetitions, depth);
                json.put("pp_tps", round(r.ppMean()));
                json.put("tg_tps", round(r.tgMean()));
                json.put("pp_tps_runs", roundAll(r.ppTps()));
                json.put("tg_tps_runs", roundAll(r.tgTps()));
                json.put("tg_gbps", round(r.tgMean() * weightBytes / 1e9));
                json.put("pp_gflops", round(r.ppGflops()));
                json.put("tg_gflops", round(r.tgGflops()));
                if (pp > 0) {
                    json.put("pp_ms", round(pp * 1000.0 / r.ppMean()));
                    json.put("pp_attention_ms", round(r.ppAttentionMs()));
                    json.put("pp_attended_pairs", r.ppAttendedPairs());
                    json.put("pp_attention_gflop", round(r.ppAttentionFlops() / 1e9));
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
        out.println(args.flag("json") ? Json.write(json) : Json.pretty(json));
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
