package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/** Q4_1: blocks of 32; fp16 scale d and minimum m, 16 bytes of nibbles (j low, j + 16 high); value = d q + m. */
public final class Q4_1Format implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q4_1;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long at = (start / 32 + b) * 20;
            float d = Blocks.half(data, at);
            float m = Blocks.half(data, at + 2);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(data, at + 4 + j);
                out[o + j] = d * (q & 0xF) + m;
                out[o + j + 16] = d * (q >>> 4) + m;
            }
        }
    }
}
