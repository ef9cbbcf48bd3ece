package org.llmexplorer.engine.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.sampling.SamplerChain;
import org.llmexplorer.engine.sampling.SamplingSettings;
import org.llmexplorer.engine.sampling.SplitMix64;

/**
 * How long re-applying a sampler chain to one step's cached logits takes (what a slider drag
 * costs), with the per-stage reports the application shows, for several settings.
 */
public final class SamplerBench {
    private SamplerBench() {
    }

    /** Logits shaped like a language model's: a long tail and a few strong candidates. */
    static float[] logits(int vocab, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        float[] l = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            double u1 = Math.max(1e-12, r.nextDouble());
            double u2 = r.nextDouble();
            l[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * 2.5);
        }
        for (int i = 0; i < 20; i++) {
            l[(int) Math.floorMod(r.nextLong(), (long) vocab)] += 8 + i * 0.3f;
        }
        return l;
    }

    public static List<Map<String, Object>> run(int vocab, int reportTop, int repetitions) {
        float[] l = logits(vocab, 1);
        Map<String, SamplingSettings> cases = new LinkedHashMap<>();
        SamplingSettings d = SamplingSettings.defaults(0.8f, 1);
        cases.put("defaults (top_k 40, top_p 0.95, min_p 0.05)", d);
        cases.put("top_p 0.9 alone (no top_k)", d.withTopK(0).withMinP(0f).withTopP(0.9f));
        cases.put("min_p 0.1 alone", d.withTopK(0).withTopP(1f).withMinP(0.1f));
        cases.put("temperature 1.5 alone", d.withTopK(0).withTopP(1f).withMinP(0f).withTemperature(1.5f));
        List<Map<String, Object>> out = new ArrayList<>();
        for (var e : cases.entrySet()) {
            SamplerChain chain = new SamplerChain(e.getValue());
            for (int i = 0; i < 50; i++) { // warm-up
                chain.apply(l, 0, vocab, 0.5, reportTop);
            }
            double[] ms = new double[repetitions];
            for (int i = 0; i < repetitions; i++) {
                long t0 = System.nanoTime();
                chain.apply(l, 0, vocab, (i + 0.5) / repetitions, reportTop);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("settings", e.getKey());
            m.put("vocab", vocab);
            m.put("report_top", reportTop);
            m.put("median_ms", Math.round(ms[repetitions / 2] * 1000) / 1000.0);
            m.put("p95_ms", Math.round(ms[(int) (repetitions * 0.95)] * 1000) / 1000.0);
            m.put("max_ms", Math.round(ms[repetitions - 1] * 1000) / 1000.0);
            out.add(m);
        }
        return out;
    }
}
