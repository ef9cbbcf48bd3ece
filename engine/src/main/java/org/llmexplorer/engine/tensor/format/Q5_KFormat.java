package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q5_K: Q4_K's layout with 32 bytes of fifth bits (qh) before the nibbles: bit 2j of qh[l] is the
 * high bit of element l of sub-block 2j, bit 2j + 1 of element l of sub-block 2j + 1.
 */
public final class Q5_KFormat implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 256; b++) {
            long at = (start / 256 + b) * 176;
            float d = Blocks.half(data, at);
            float min = Blocks.half(data, at + 2);
            int y = off + b * 256;
            for (int j = 0; j < 4; j++) {
                int sm1 = Blocks.scaleMinK4(data, at + 4, 2 * j);
                int sm2 = Blocks.scaleMinK4(data, at + 4, 2 * j + 1);
                float d1 = d * (sm1 >>> 8);
                float m1 = min * (sm1 & 0xFF);
                float d2 = d * (sm2 >>> 8);
                float m2 = min * (sm2 & 0xFF);
                long ql = at + 48 + 32L * j;
                int u1 = 1 << (2 * j);
                int u2 = 2 << (2 * j);
                for (int l = 0; l < 32; l++) {
                    int qh = Blocks.u8(data, at + 16 + l);
                    int q = Blocks.u8(data, ql + l);
                    out[y + l] = d1 * ((q & 0xF) + ((qh & u1) != 0 ? 16 : 0)) - m1;
                    out[y + 32 + l] = d2 * ((q >>> 4) + ((qh & u2) != 0 ? 16 : 0)) - m2;
                }
                y += 64;
            }
        }
    }
}
