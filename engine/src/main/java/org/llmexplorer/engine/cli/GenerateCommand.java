package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.BeamSearch;
import org.llmexplorer.engine.generate.GeneratedToken;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.generate.ModelBeams;
import org.llmexplorer.engine.sampling.TokenProbability;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.sampling.StageReport;

/** {@code llmx generate}: continue a prompt, streaming the text. */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String usage() {
        return """
                generate [--model F] --prompt TEXT [options]   continue a prompt (default: the shipped model)
                  --max-tokens N         tokens to generate (default 128)
                %s  --num-beams N          beam search with N beams (default 1: sample)
                  --num-return-sequences N   best N sequences of the beam search (default 1, at most num-beams)
                  --length-penalty A     beam scores are log-probability / length^A (default 1)
                  --no-early-stopping    keep searching after num-beams sequences have ended
                  --threads N            threads of the simd backend (default: all cores)
                  --backend B            scalar, simd (default), opencl or auto (OpenCL on a GPU, else simd)
                  --device D             with opencl: a device index or name from llmx devices
                  --ctx N                context length (default: the model's, at most 4096)
                  --batch N              prompt tokens per forward pass (default 32)
                  --top-probs N          record the N most probable tokens at each step (default 0)
                  --stages N             report each sampler stage's N most likely tokens at each step
                  --score-prompt         report the probability the model gave each prompt token
                  --mask SPEC            run under an attention mask or mask plan (see llmx mask --help)
                  --json                 print one JSON object instead of streaming text""".formatted(
                SamplingOptions.USAGE.indent(2).replace("\n  \n", "\n"));
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Set<String> options = new HashSet<>(SamplingOptions.NAMES);
        options.addAll(Set.of("model", "prompt", "max-tokens", "threads", "backend", "device", "ctx", "batch", "top-probs", "mask",
                "stages", "num-beams", "num-return-sequences", "length-penalty"));
        Args args = new Args(argList, options, Set.of("json", "score-prompt", "no-early-stopping"));
        Path path = ModelOption.path(args);
        String prompt = args.required("prompt");
        int maxTokens = args.integer("max-tokens", 128);
        if (maxTokens < 0) {
            throw new UsageException("--max-tokens must be 0 or more");
        }
        SamplingSettings settings = SamplingOptions.from(args);
        int topN = args.integer("top-probs", 0);
        int stageTop = args.integer("stages", 0);
        boolean json = args.flag("json");
        int threads = args.integer("threads", Backends.defaultThreads());
        if (threads < 1) {
            throw new UsageException("--threads must be at least 1");
        }
        int beams = args.integer("num-beams", 1);
        BeamSearch.Settings beamSettings = beams > 1 || args.has("num-return-sequences")
                ? new BeamSearch.Settings(beams, args.integer("num-return-sequences", 1),
                        args.number("length-penalty", 1f), !args.flag("no-early-stopping"), Math.max(1, maxTokens))
                : null;

        try (Model model = Model.open(path);
             Compute ops = Backends.create(args.backend(), threads)) {
            int ctx = args.integer("ctx", Math.min(model.config().contextLength(), 4096));
            int[] promptIds = model.tokenizer().encode(prompt, true, true);
            int contextLength = Math.max(1, Math.min(ctx, promptIds.length + maxTokens));
            MaskPlan masks = args.has("mask") ? MaskPlan.parse(args.required("mask"), model.config().trainedMask())
                    : model.config().trainedMask();
            if (beamSettings != null) {
                return beamSearch(model, ops, masks, promptIds, contextLength, beamSettings, json, out);
            }
            Generator generator = new Generator(model, ops, contextLength, args.integer("batch", Generator.DEFAULT_BATCH))
                    .masks(masks);
            Generator.PromptScore score = args.flag("score-prompt") ? generator.score(promptIds) : null;
            if (!json) {
                out.print(prompt);
                out.flush();
            }
            SamplerChain sampler = new SamplerChain(settings).reports(stageTop);
            GenerationResult r = generator.generate(promptIds, maxTokens, sampler, topN,
                    json ? null : t -> {
                        out.print(t.text());
                        out.flush();
                    }, null);
            if (json) {
                Map<String, Object> result = toJson(r, settings, ops, topN, stageTop, model);
                if (score != null) {
                    List<Map<String, Object>> probs = new ArrayList<>();
                    for (int i = 0; i < score.p().length; i++) {
                        probs.add(entry(score.tokens()[i + 1], score.p()[i], score.rank()[i]));
                    }
                    result.put("prompt_probs", probs);
                }
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

    private static int beamSearch(Model model, Compute ops, MaskPlan masks, int[] prompt, int contextLength,
                                  BeamSearch.Settings s, boolean json, PrintStream out) {
        long t0 = System.nanoTime();
        List<BeamSearch.Hypothesis> found = BeamSearch.run(new ModelBeams(model, ops, masks, contextLength), prompt, s);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("prompt_tokens", prompt);
            List<Map<String, Object>> sequences = new ArrayList<>();
            for (BeamSearch.Hypothesis h : found) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("tokens", h.tokens());
                m.put("text", model.tokenizer().decode(h.tokens()));
                m.put("log_prob", h.logProb());
                m.put("score", h.score());
                m.put("ended", h.endedWithEos() ? "eos" : "length");
                sequences.add(m);
            }
            result.put("sequences", sequences);
            result.put("tokens", found.get(0).tokens());
            result.put("text", model.tokenizer().decode(found.get(0).tokens()));
            Map<String, Object> beam = new LinkedHashMap<>();
            beam.put("num_beams", s.numBeams());
            beam.put("num_return_sequences", s.numReturnSequences());
            beam.put("length_penalty", s.lengthPenalty());
            beam.put("early_stopping", s.earlyStopping());
            result.put("beam_search", beam);
            result.put("seconds", seconds);
            out.println(Json.write(result));
        } else {
            for (BeamSearch.Hypothesis h : found) {
                out.printf("[log p %.3f, score %.3f] %s%n", h.logProb(), h.score(), model.tokenizer().decode(h.tokens()));
            }
        }
        return 0;
    }

    private static Map<String, Object> entry(int id, double p, int rank) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("p", p);
        if (rank > 0) {
            e.put("rank", rank);
        }
        return e;
    }

    private static Map<String, Object> toJson(GenerationResult r, SamplingSettings s, Compute ops, int topN,
                                              int stageTop, Model model) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("prompt_tokens", r.promptTokens());
        json.put("tokens", r.generatedIds());
        json.put("text", r.text());
        json.put("stop", r.stopReason());
        List<Map<String, Object>> probs = new ArrayList<>();
        for (GeneratedToken t : r.tokens()) {
            probs.add(entry(t.id(), t.p(), t.rank()));
        }
        json.put("token_probs", probs);
        if (topN > 0) {
            List<List<Map<String, Object>>> top = new ArrayList<>();
            for (GeneratedToken t : r.tokens()) {
                List<Map<String, Object>> step = new ArrayList<>();
                for (TokenProbability p : t.top()) {
                    step.add(entry(p.id(), p.p(), 0));
                }
                top.add(step);
            }
            json.put("top", top);
        }
        if (stageTop > 0) {
            List<List<Map<String, Object>>> stages = new ArrayList<>();
            for (GeneratedToken t : r.tokens()) {
                List<Map<String, Object>> step = new ArrayList<>();
                for (StageReport sr : t.stages()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("stage", sr.stage());
                    m.put("survivors", sr.survivors());
                    m.put("entropy_bits", sr.entropyBits());
                    m.put("chosen_rank", sr.chosenRank());
                    m.put("chosen_p", sr.chosenP());
                    List<Map<String, Object>> top = new ArrayList<>();
                    for (TokenProbability p : sr.top()) {
                        top.add(entry(p.id(), p.p(), 0));
                    }
                    m.put("top", top);
                    step.add(m);
                }
                stages.add(step);
            }
            json.put("stages", stages);
        }
        json.put("sampling", SamplingOptions.toJson(s));
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("prompt_tps", r.promptTokensPerSecond());
        timing.put("gen_tps", r.generationTokensPerSecond());
        timing.put("backend", ops.name());
        timing.put("threads", ops.threads());
        json.put("timing", timing);
        return json;
    }
}
