package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q4_K: super-blocks of 256 in 8 sub-blocks of 32. Bytes: fp16 d and dmin, 12 bytes of 6-bit
 * scales and minimums, 128 bytes of nibbles (each 32 bytes hold two sub-blocks, low nibbles
 * first); value = d * scale * q - dmin * min.
 */
public final class Q4_KFormat implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 256; b++) {
            long at = (start / 256 + b) * 144;
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
                long q = at + 16 + 32L * j;
                for (int l = 0; l < 32; l++) {
                    out[y + l] = d1 * (Blocks.u8(data, q + l) & 0xF) - m1;
                    out[y + 32 + l] = d2 * (Blocks.u8(data, q + l) >>> 4) - m2;
                }
                y += 64;
            }
        }
    }
}
