package org.llmexplorer.engine.sampling;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every sampling parameter, and the order of the stages. Disabled values: top-k 0, top-p 1,
 * min-p 0, typical-p 1, repeat penalty 1, frequency and presence 0, repeat-last-n 0.
 *
 * @param order stage names in the order they run (a name left out switches the stage off);
 *              the final draw always comes last
 */
public record SamplingSettings(float temperature, int topK, float topP, float minP, float typicalP,
                               float repeatPenalty, int repeatLastN, float frequencyPenalty, float presencePenalty,
                               Map<Integer, Float> logitBias, long seed, List<String> order) {

    /** llama.cpp's default order. */
    public static final List<String> DEFAULT_ORDER = List.of("logit_bias", "penalties", "top_k", "typical_p", "top_p",
            "min_p", "temperature");
    public static final Set<String> STAGES = Set.copyOf(DEFAULT_ORDER);

    public SamplingSettings {
        logitBias = Map.copyOf(logitBias);
        order = List.copyOf(order);
        for (String s : order) {
            if (!STAGES.contains(s)) {
                throw new IllegalArgumentException("unknown sampler stage '" + s + "' (stages: " + DEFAULT_ORDER + ")");
            }
        }
        if (order.size() != Set.copyOf(order).size()) {
            throw new IllegalArgumentException("a sampler stage is listed twice in " + order);
        }
        if (temperature < 0 || Float.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be 0 or more, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be 0 (off) or more, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        }
        if (!(typicalP > 0 && typicalP <= 1)) {
            throw new IllegalArgumentException("typical-p must be in (0, 1], got " + typicalP);
        }
        if (!(repeatPenalty > 0)) {
            throw new IllegalArgumentException("repeat penalty must be positive, got " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException("repeat-last-n must be -1 (all), 0 (off) or more, got " + repeatLastN);
        }
    }

    /** Greedy decoding with every other stage off. */
    public static SamplingSettings greedy() {
        return defaults(0f, 0);
    }

    /** llama.cpp's defaults at a given temperature and seed: top-k 40, top-p 0.95, min-p 0.05. */
    public static SamplingSettings defaults(float temperature, long seed) {
        return new SamplingSettings(temperature, 40, 0.95f, 0.05f, 1f, 1f, 64, 0f, 0f, Map.of(), seed, DEFAULT_ORDER);
    }

    public SamplingSettings withTemperature(float t) {
        return new SamplingSettings(t, topK, topP, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, logitBias, seed, order);
    }

    public SamplingSettings withTopK(int k) {
        return new SamplingSettings(temperature, k, topP, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, logitBias, seed, order);
    }

    public SamplingSettings withTopP(float p) {
        return new SamplingSettings(temperature, topK, p, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, logitBias, seed, order);
    }

    public SamplingSettings withMinP(float p) {
        return new SamplingSettings(temperature, topK, topP, p, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, logitBias, seed, order);
    }

    public SamplingSettings withSeed(long s) {
        return new SamplingSettings(temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, logitBias, s, order);
    }

    public SamplingSettings withOrder(List<String> o) {
        return new SamplingSettings(temperature, topK, topP, minP, typicalP, repeatPenalty, repeatLastN, frequencyPenalty,
                presencePenalty, logitBias, seed, o);
    }

    /** The stages, in order, as objects. */
    public List<SamplerStage> stages() {
        return order.stream().map(name -> switch (name) {
            case "logit_bias" -> (SamplerStage) new LogitBias(logitBias);
            case "penalties" -> new Penalties(repeatPenalty, frequencyPenalty, presencePenalty, repeatLastN);
            case "top_k" -> new TopK(topK);
            case "typical_p" -> new TypicalP(typicalP);
            case "top_p" -> new TopP(topP);
            case "min_p" -> new MinP(minP);
            case "temperature" -> new Temperature(temperature);
            default -> throw new IllegalStateException(name);
        }).toList();
    }
}
