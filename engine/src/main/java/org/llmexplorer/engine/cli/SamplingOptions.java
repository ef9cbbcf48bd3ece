package org.llmexplorer.engine.cli;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.sampling.SamplingSettings;

/** The sampling options shared by the commands that generate. */
final class SamplingOptions {
    static final Set<String> NAMES = Set.of("temperature", "top-k", "top-p", "min-p", "typical-p", "repeat-penalty",
            "repeat-last-n", "presence-penalty", "frequency-penalty", "seed", "sampler-order", "logit-bias");

    static final String USAGE = """
              --temperature T        0 for greedy (default 0.8)
              --top-k K              keep the K most likely tokens, 0 for all (default 40)
              --top-p P              keep the smallest set with probability mass P, 1 for all (default 0.95)
              --min-p P              keep tokens at least P times as likely as the best, 0 for all (default 0.05)
              --typical-p P          locally typical sampling, 1 for off (default 1)
              --repeat-penalty R     divide the logit of recent tokens by R (default 1: off)
              --repeat-last-n N      tokens the penalties look back over, -1 all (default 64)
              --presence-penalty P   subtract P from recent tokens' logits (default 0)
              --frequency-penalty F  subtract F times the count of recent tokens (default 0)
              --logit-bias ID=B,...  add B to the logit of token ID (-inf bans it)
              --sampler-order LIST   stages in order, comma-separated (default
                                     logit_bias,penalties,top_k,typical_p,top_p,min_p,temperature)
              --seed S               seed of the draw (default: random, printed with --json)
            """;

    private SamplingOptions() {
    }

    static SamplingSettings from(Args args) {
        long seed = args.has("seed") ? args.longValue("seed", 0) : System.nanoTime();
        List<String> order = args.has("sampler-order")
                ? Arrays.stream(args.required("sampler-order").split(",")).map(String::trim).filter(x -> !x.isEmpty())
                        .toList()
                : SamplingSettings.DEFAULT_ORDER;
        return new SamplingSettings(args.number("temperature", 0.8f), args.integer("top-k", 40),
                args.number("top-p", 0.95f), args.number("min-p", 0.05f), args.number("typical-p", 1f),
                args.number("repeat-penalty", 1f), args.integer("repeat-last-n", 64),
                args.number("frequency-penalty", 0f), args.number("presence-penalty", 0f),
                bias(args.string("logit-bias", "")), seed, order);
    }

    private static Map<Integer, Float> bias(String text) {
        Map<Integer, Float> bias = new HashMap<>();
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=");
            try {
                float b = kv[1].trim().matches("-?inf") ? (kv[1].trim().startsWith("-") ? Float.NEGATIVE_INFINITY
                        : Float.POSITIVE_INFINITY) : Float.parseFloat(kv[1].trim());
                bias.put(Integer.parseInt(kv[0].trim()), b);
            } catch (RuntimeException e) {
                throw new UsageException("--logit-bias takes ID=BIAS pairs joined with commas, got '" + part + "'");
            }
        }
        return bias;
    }

    static Map<String, Object> toJson(SamplingSettings s) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("temperature", s.temperature());
        m.put("top_k", s.topK());
        m.put("top_p", s.topP());
        m.put("min_p", s.minP());
        m.put("typical_p", s.typicalP());
        m.put("repeat_penalty", s.repeatPenalty());
        m.put("repeat_last_n", s.repeatLastN());
        m.put("presence_penalty", s.presencePenalty());
        m.put("frequency_penalty", s.frequencyPenalty());
        m.put("seed", s.seed());
        m.put("order", s.order());
        return m;
    }
}
