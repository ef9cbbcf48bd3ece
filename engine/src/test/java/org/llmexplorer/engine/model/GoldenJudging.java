package org.llmexplorer.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * How a backend's output is judged against llama.cpp's golden cases, shared by the CPU
 * backends' test ({@link GoldenParityTest}, which says why each figure is what it is) and the
 * OpenCL device's.
 */
public final class GoldenJudging {
    private GoldenJudging() {
    }

    /**
     * How far a top-5 probability may lie from llama.cpp's: 2e-3 for F32 weights, 1e-2 where
     * activations are rounded to fp16 or 8-bit blocks, 3e-2 for bf16.
     */
    public static double tolerance(String modelPath) {
        return modelPath.endsWith("-BF16.gguf") ? 3e-2 : modelPath.matches(".*-(F16|Q.*|IQ4_NL)\\.gguf") ? 1e-2 : 2e-3;
    }

    /** Whether the weights' activations are rounded to 8-bit blocks (Q8_0, Q8_1 or Q8_K). */
    public static boolean eightBit(String modelPath) {
        return modelPath.matches(".*-(Q[0-9].*|IQ4_NL)\\.gguf");
    }

    /**
     * How many generated tokens must equal llama.cpp's: all of them, or, where llama.cpp's own
     * margin between its top two tokens falls below 0.25, those before the thinnest margin.
     */
    public static int mustAgree(JsonNode goldenCase, int generated) {
        if (goldenCase.has("min_top1_top2_prob_gap") && goldenCase.get("min_top1_top2_prob_gap").asDouble() < 0.25) {
            return goldenCase.get("argmin_gap_position").asInt();
        }
        return generated;
    }

    /**
     * The scales of activation rounding to run at: 1 alone, or for 8-bit rounding also nudged
     * by ±1, 2, 4, 8 and 16 parts per million (a last-bit difference flips codes).
     */
    public static float[] nudges(String modelPath) {
        return nudges(eightBit(modelPath));
    }

    /**
     * The rest of the whole-ppm grid for 8-bit rounding, 1 ± 3, 5, 6, 7 and 9 to 15 ppm (none
     * otherwise), for the positions where the reference lies outside what {@link #nudges(String)}
     * span. Where flipped codes decide a position, eleven samples of the ±16 ppm ball can miss
     * the run llama.cpp's resembles: one Q5_1 case spans 0.10 to 0.43 over them with 128-bit
     * vectors (llama.cpp 0.431) and reaches 0.438 on the whole grid. Run only where needed, the
     * verdict is the whole grid's, since more runs only widen the ranges.
     */
    public static float[] finerNudges(String modelPath) {
        if (!eightBit(modelPath)) {
            return new float[0];
        }
        float[] nudges = new float[22];
        int i = 0;
        for (int k = 3; k < 16; k++) {
            if (Integer.bitCount(k) != 1) {
                nudges[i++] = 1f + k * 1e-6f;
                nudges[i++] = 1f - k * 1e-6f;
            }
        }
        return nudges;
    }

    /** As {@link #nudges(String)}, for weights whose activations are (or are not) rounded to 8-bit blocks. */
    public static float[] nudges(boolean eightBit) {
        if (!eightBit) {
            return new float[] {1f};
        }
        float[] nudges = new float[11];
        nudges[0] = 1f;
        for (int k = 0; k < 5; k++) {
            nudges[1 + 2 * k] = 1f + (1 << k) * 1e-6f;
            nudges[2 + 2 * k] = 1f - (1 << k) * 1e-6f;
        }
        return nudges;
    }

    /**
     * For each nudge in turn, the runs {@code run} makes (each a list of logits by position) with
     * the activations' rounding scaled by it, all in one list in that order; the scale is 1 again
     * afterwards.
     */
    public static List<List<float[]>> runsAt(float[] nudges, Supplier<List<List<float[]>>> run) {
        List<List<float[]>> runs = new ArrayList<>();
        try {
            for (float nudge : nudges) {
                ActivationRounding.jitterScale(nudge);
                runs.addAll(run.get());
            }
        } finally {
            ActivationRounding.jitterScale(1f);
        }
        return runs;
    }

    /** The lowest and highest probability of token id at position at over the runs (each a list of logits by position). */
    public static double[] range(List<List<float[]>> runs, int at, int id) {
        double low = Double.MAX_VALUE;
        double high = -Double.MAX_VALUE;
        for (List<float[]> run : runs) {
            float[] l = run.get(at);
            double p = Probabilities.probability(l, 0, l.length, id);
            low = Math.min(low, p);
            high = Math.max(high, p);
        }
        return new double[] {low, high};
    }

    /**
     * The first of llama.cpp's top-5 probabilities ({@code positions}, the golden case's
     * top5_first_positions) farther than the tolerance from the range the runs span, said in
     * words, or null.
     */
    public static String firstMiss(JsonNode positions, List<List<float[]>> runs, double tolerance) {
        for (JsonNode position : positions) {
            int at = position.get("position").asInt();
            for (JsonNode top : position.get("top5")) {
                int id = top.get("id").asInt();
                double[] range = range(runs, at, id);
                double expected = top.get("prob").asDouble();
                double distance = expected < range[0] ? range[0] - expected : expected > range[1] ? expected - range[1] : 0;
                if (distance > tolerance) {
                    return "probability of token " + id + " at position " + at + ": llama.cpp " + expected + ", ours "
                            + range[0] + (range[1] > range[0] ? " to " + range[1] : "") + ", tolerance " + tolerance;
                }
            }
        }
        return null;
    }
}
