package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * IQ4_NL: blocks of 32; fp16 scale and 4-bit indices (j low, j + 16 high) into a fixed
 * non-linear table of 16 levels; value = d * LEVELS[index].
 */
public final class IQ4_NLFormat implements TensorFormat {
    /** The non-uniform levels, denser near zero where weights cluster. */
    public static final int[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long at = (start / 32 + b) * 18;
            float d = Blocks.half(data, at);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(data, at + 2 + j);
                out[o + j] = d * LEVELS[q & 0xF];
                out[o + j + 16] = d * LEVELS[q >>> 4];
            }
        }
    }
}
