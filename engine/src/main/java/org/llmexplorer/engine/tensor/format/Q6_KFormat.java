package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q6_K: super-blocks of 256 in 16 sub-blocks of 16. Bytes: 128 bytes of low nibbles (ql), 64
 * bytes of high 2-bit pairs (qh), 16 signed 8-bit scales, fp16 d at 208;
 * value = d * scale * (q - 32) with q = low | high &lt;&lt; 4.
 */
public final class Q6_KFormat implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 256; b++) {
            long at = (start / 256 + b) * 210;
            float d = Blocks.half(data, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64L * half;
                long qh = at + 128 + 32L * half;
                long sc = at + 192 + 8L * half;
                int y = off + b * 256 + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int h = Blocks.u8(data, qh + l);
                    int q1 = ((Blocks.u8(data, ql + l) & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((Blocks.u8(data, ql + l + 32) & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                    int q3 = ((Blocks.u8(data, ql + l) >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                    int q4 = ((Blocks.u8(data, ql + l + 32) >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                    out[y + l] = d * Blocks.i8(data, sc + is) * q1;
                    out[y + l + 32] = d * Blocks.i8(data, sc + is + 2) * q2;
                    out[y + l + 64] = d * Blocks.i8(data, sc + is + 4) * q3;
                    out[y + l + 96] = d * Blocks.i8(data, sc + is + 6) * q4;
                }
            }
        }
    }
}
