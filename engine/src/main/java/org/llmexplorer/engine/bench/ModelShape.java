package org.llmexplorer.engine.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The dimensions of real llama-architecture models, for benchmarks on random weights of the same shape. */
public record ModelShape(String name, int layers, int dim, int ffnDim, int heads, int kvHeads, int vocab,
                         float ropeBase, boolean tiedOutput) {

    public static final Map<String, ModelShape> PRESETS = new LinkedHashMap<>();

    static {
        for (ModelShape s : new ModelShape[] {
                new ModelShape("llama-3.2-1b", 16, 2048, 8192, 32, 8, 128256, 500000f, true),
                new ModelShape("llama-3.2-3b", 28, 3072, 8192, 24, 8, 128256, 500000f, true),
                new ModelShape("smollm2-135m", 30, 576, 1536, 9, 3, 49152, 100000f, true),
                new ModelShape("smollm2-360m", 32, 960, 2560, 15, 5, 49152, 100000f, true),
                new ModelShape("tinyllama-1.1b", 22, 2048, 5632, 32, 4, 32000, 10000f, false)}) {
            PRESETS.put(s.name, s);
        }
    }

    public static ModelShape named(String name) {
        ModelShape s = PRESETS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown shape '" + name + "' (known: " + String.join(", ", PRESETS.keySet()) + ")");
        }
        return s;
    }

    public int headDim() {
        return dim / heads;
    }

    /** Parameters of the weight matrices and norms. */
    public long parameters() {
        long attention = (long) dim * headDim() * (2L * heads + 2L * kvHeads);
        long ffn = 3L * dim * ffnDim;
        long perLayer = attention + ffn + 2L * dim;
        return layers * perLayer + (tiedOutput ? 1 : 2) * (long) vocab * dim + dim;
    }
}
