package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q5_0: blocks of 32; fp16 scale, 32 high bits (bit j is the fifth bit of element j), 16 bytes of
 * low nibbles (j low, j + 16 high); value = d (q - 16).
 */
public final class Q5_0Format implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long at = (start / 32 + b) * 22;
            float d = Blocks.half(data, at);
            int qh = Blocks.u32(data, at + 2);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(data, at + 6 + j);
                int h0 = (qh >>> j) << 4 & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                out[o + j] = d * (((q & 0xF) | h0) - 16);
                out[o + j + 16] = d * (((q >>> 4) | h1) - 16);
            }
        }
    }
}
