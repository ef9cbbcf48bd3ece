package org.llmexplorer.engine.cli;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.sampling.SamplingSettings;
import picocli.CommandLine.Option;

/** The sampling options shared by the commands that generate (a picocli mixin). */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "0 for greedy (default ${DEFAULT-VALUE})")
    private float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "keep the K most likely tokens, 0 for all (default ${DEFAULT-VALUE})")
    private int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
            description = "keep the smallest set with probability mass P, 1 for all (default ${DEFAULT-VALUE})")
    private float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05",
            description = "keep tokens at least P times as likely as the best, 0 for all (default ${DEFAULT-VALUE})")
    private float minP;

    @Option(names = "--typical-p", paramLabel = "P", defaultValue = "1",
            description = "locally typical sampling, 1 for off (default ${DEFAULT-VALUE})")
    private float typicalP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1",
            description = "divide the logit of recent tokens by R (default ${DEFAULT-VALUE}: off)")
    private float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64",
            description = "tokens the penalties look back over, -1 all (default ${DEFAULT-VALUE})")
    private int repeatLastN;

    @Option(names = "--presence-penalty", paramLabel = "P", defaultValue = "0",
            description = "subtract P from recent tokens' logits (default ${DEFAULT-VALUE})")
    private float presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "F", defaultValue = "0",
            description = "subtract F times the count of recent tokens (default ${DEFAULT-VALUE})")
    private float frequencyPenalty;

    @Option(names = "--logit-bias", paramLabel = "ID=B,...", description = "add B to the logit of token ID (-inf bans it)")
    private String logitBias;

    // A string, not a split list: spaces around the commas are allowed, as they were before picocli.
    @Option(names = "--sampler-order", paramLabel = "LIST", description = "stages in order, comma-separated (default "
            + "logit_bias,penalties,top_k,typical_p,top_p,min_p,temperature)")
    private String samplerOrder;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the draw (default: random, printed with --json)")
    private Long seed;

    /** Whether --seed was given (else each run draws differently). */
    boolean seeded() {
        return seed != null;
    }

    SamplingSettings settings() {
        List<String> order = samplerOrder == null ? SamplingSettings.DEFAULT_ORDER
                : Arrays.stream(samplerOrder.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        return new SamplingSettings(temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN,
                frequencyPenalty, presencePenalty, bias(logitBias == null ? "" : logitBias),
                seed != null ? seed : System.nanoTime(), order);
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
        Map<String, Object> m = new LinkedHashMap<>();
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
