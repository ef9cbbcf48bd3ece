package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.GeneratedToken;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.TokenProbability;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.sampling.SamplerSettings;

/** {@code llmx generate}: continue a prompt, streaming the text. */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String usage() {
        return """
                generate --model F --prompt TEXT [options]   continue a prompt
                  --max-tokens N     tokens to generate (default 128)
                  --temperature T    0 for greedy (default 0.8)
                  --top-k K          keep the K most likely tokens, 0 for all (default 40)
                  --top-p P          keep the smallest set with probability mass P (default 0.95)
                  --seed S           seed of the random draw (default: random, printed with --json)
                  --threads N        threads of the simd backend (default: all cores)
                  --backend B        scalar or simd (default simd)
                  --ctx N            context length (default: the model's, at most 4096)
                  --batch N          prompt tokens per forward pass (default 32)
                  --top-probs N      record the N most probable tokens at each step (default 0)
                  --mask SPEC        run under an attention mask or mask plan (see llmx mask --help)
                  --online-softmax   attention in tiles with an online softmax (same result, never holds a row)
                  --json             print one JSON object instead of streaming text""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "prompt", "max-tokens", "temperature", "top-k", "top-p", "seed",
                "threads", "backend", "ctx", "batch", "top-probs", "mask"), Set.of("json", "online-softmax"));
        Path path = Path.of(args.required("model"));
        String prompt = args.required("prompt");
        int maxTokens = args.integer("max-tokens", 128);
        if (maxTokens < 0) {
            throw new UsageException("--max-tokens must be 0 or more");
        }
        long seed = args.has("seed") ? args.longValue("seed", 0) : System.nanoTime();
        SamplerSettings settings = new SamplerSettings(args.number("temperature", 0.8f), args.integer("top-k", 40),
                args.number("top-p", 0.95f), seed);
        int topN = args.integer("top-probs", 0);
        boolean json = args.flag("json");
        int threads = args.integer("threads", Backends.defaultThreads());
        if (threads < 1) {
            throw new UsageException("--threads must be at least 1");
        }

        try (Model model = Model.open(path);
             Compute ops = Backends.create(args.string("backend", Backends.DEFAULT), threads)) {
            int ctx = args.integer("ctx", Math.min(model.config().contextLength(), 4096));
            int[] promptIds = model.tokenizer().encode(prompt, true, true);
            int contextLength = Math.max(1, Math.min(ctx, promptIds.length + maxTokens));
            Generator generator = new Generator(model, ops, contextLength, args.integer("batch", Generator.DEFAULT_BATCH));
            if (args.has("mask")) {
                generator.masks(MaskPlan.parse(args.required("mask"), model.config().trainedMask()));
            }
            generator.state().onlineSoftmax(args.flag("online-softmax"));
            if (!json) {
                out.print(prompt);
                out.flush();
            }
            GenerationResult r = generator.generate(promptIds, maxTokens, Sampler.of(settings), topN,
                    json ? null : t -> {
                        out.print(t.text());
                        out.flush();
                    }, null);
            if (json) {
                Map<String, Object> result = toJson(r, settings, ops, topN);
                Map<String, Object> attention = new LinkedHashMap<>();
                attention.put("mask", generator.masks().spec());
                attention.put("attended_pairs", generator.state().attendedPairs());
                attention.put("flops", generator.state().attentionFlops());
                attention.put("ms", generator.state().attentionNanos() / 1e6);
                result.put("attention", attention);
                out.println(Json.write(result));
            } else {
                out.println();
                System.err.printf("[%d prompt tokens at %.1f tokens/s, %d generated at %.1f tokens/s, stop: %s]%n",
                        promptIds.length, r.promptTokensPerSecond(), r.tokens().size(),
                        r.generationTokensPerSecond(), r.stopReason());
            }
        }
        return 0;
    }

    private static Map<String, Object> toJson(GenerationResult r, SamplerSettings s, Compute ops, int topN) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("prompt_tokens", r.promptTokens());
        json.put("tokens", r.generatedIds());
        json.put("text", r.text());
        json.put("stop", r.stopReason());
        if (topN > 0) {
            List<List<Map<String, Object>>> top = new ArrayList<>();
            for (GeneratedToken t : r.tokens()) {
                List<Map<String, Object>> step = new ArrayList<>();
                for (TokenProbability p : t.top()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("id", p.id());
                    e.put("p", p.p());
                    step.add(e);
                }
                top.add(step);
            }
            json.put("top", top);
        }
        Map<String, Object> sampling = new LinkedHashMap<>();
        sampling.put("temperature", s.temperature());
        sampling.put("top_k", s.topK());
        sampling.put("top_p", s.topP());
        sampling.put("seed", s.seed());
        json.put("sampling", sampling);
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("prompt_tps", r.promptTokensPerSecond());
        timing.put("gen_tps", r.generationTokensPerSecond());
        timing.put("backend", ops.name());
        timing.put("threads", ops.threads());
        json.put("timing", timing);
        return json;
    }
}
