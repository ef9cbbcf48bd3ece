package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx generate}: continue a prompt, streaming the text. */
@picocli.CommandLine.Command(name = "generate", description = "continue a prompt (default: the shipped model)",
        customSynopsis = "llmx generate [--model F] --prompt TEXT [options]")
final class GenerateCommand implements Command {
    @Mixin
    private ModelOption modelOption;

    @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "the text to continue")
    private String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128",
            description = "tokens to generate (default ${DEFAULT-VALUE})")
    private int maxTokens;

    @Mixin
    private SamplingOptions sampling;

    @Option(names = "--num-beams", paramLabel = "N", defaultValue = "1",
            description = "beam search with N beams (default ${DEFAULT-VALUE}: sample)")
    private int numBeams;

    @Option(names = "--num-return-sequences", paramLabel = "N",
            description = "best N sequences of the beam search (default 1, at most num-beams)")
    private Integer numReturnSequences;

    @Option(names = "--length-penalty", paramLabel = "A", defaultValue = "1",
            description = "beam scores are log-probability / length^A (default ${DEFAULT-VALUE})")
    private float lengthPenalty;

    @Option(names = "--no-early-stopping", description = "keep searching after num-beams sequences have ended")
    private boolean noEarlyStopping;

    @Mixin
    private BackendOptions backend;

    @Option(names = "--ctx", paramLabel = "N", description = "context length (default: the model's, at most 4096)")
    private Integer ctx;

    @Mixin
    private KvCacheOption kv;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + Generator.DEFAULT_BATCH,
            description = "prompt tokens per forward pass (default ${DEFAULT-VALUE})")
    private int batch;

    @Option(names = "--top-probs", paramLabel = "N", defaultValue = "0",
            description = "record the N most probable tokens at each step (default ${DEFAULT-VALUE})")
    private int topProbs;

    @Option(names = "--stages", paramLabel = "N", defaultValue = "0",
            description = "report each sampler stage's N most likely tokens at each step")
    private int stages;

    @Option(names = "--score-prompt", description = "report the probability the model gave each prompt token")
    private boolean scorePrompt;

    @Option(names = "--mask", paramLabel = "SPEC",
            description = "run under an attention mask or mask plan (see llmx mask --help)")
    private String mask;

    @Option(names = "--json", description = "print one JSON object instead of streaming text")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        Path path = modelOption.path();
        if (maxTokens < 0) {
            throw new UsageException("--max-tokens must be 0 or more");
        }
        SamplingSettings settings = sampling.settings();
        int threads = backend.threads();
        BeamSearch.Settings beamSettings = numBeams > 1 || numReturnSequences != null
                ? new BeamSearch.Settings(numBeams, numReturnSequences == null ? 1 : numReturnSequences,
                        lengthPenalty, !noEarlyStopping, Math.max(1, maxTokens))
                : null;

        try (Model model = Model.open(path);
             Compute ops = Backends.create(backend.backend(), threads)) {
            int context = ctx != null ? ctx : Math.min(model.config().contextLength(), 4096);
            int[] promptIds = model.tokenizer().encode(prompt, true, true);
            int contextLength = Math.max(1, Math.min(context, promptIds.length + maxTokens));
            MaskPlan masks = mask != null ? MaskPlan.parse(mask, model.config().trainedMask())
                    : model.config().trainedMask();
            if (beamSettings != null) {
                return beamSearch(model, ops, masks, promptIds, contextLength, beamSettings, json, out);
            }
            Generator generator = new Generator(model, ops, contextLength, batch, kv.type()).masks(masks);
            Generator.PromptScore score = scorePrompt ? generator.score(promptIds) : null;
            if (!json) {
                out.print(prompt);
                out.flush();
            }
            SamplerChain sampler = new SamplerChain(settings).reports(stages);
            GenerationResult r = generator.generate(promptIds, maxTokens, sampler, topProbs,
                    json ? null : t -> {
                        out.print(t.text());
                        out.flush();
                    }, null);
            if (json) {
                Map<String, Object> result = toJson(r, settings, ops, topProbs, stages, model);
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

    private int beamSearch(Model model, Compute ops, MaskPlan masks, int[] prompt, int contextLength,
                                  BeamSearch.Settings s, boolean json, PrintStream out) {
        long t0 = System.nanoTime();
        List<BeamSearch.Hypothesis> found = BeamSearch.run(new ModelBeams(model, ops, masks, contextLength, kv.type()), prompt,
                s);
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
