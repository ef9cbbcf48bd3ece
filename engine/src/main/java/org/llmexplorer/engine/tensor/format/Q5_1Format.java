package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/** Q5_1: as Q5_0 with an fp16 minimum after the scale; value = d q + m. */
public final class Q5_1Format implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 32; b++) {
            long at = (start / 32 + b) * 24;
            float d = Blocks.half(data, at);
            float m = Blocks.half(data, at + 2);
            int qh = Blocks.u32(data, at + 4);
            int o = off + b * 32;
            for (int j = 0; j < 16; j++) {
                int q = Blocks.u8(data, at + 8 + j);
                int h0 = (qh >>> j) << 4 & 0x10;
                int h1 = (qh >>> (j + 12)) & 0x10;
                out[o + j] = d * ((q & 0xF) | h0) + m;
                out[o + j + 16] = d * ((q >>> 4) | h1) + m;
            }
        }
    }
}
