package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q3_K: super-blocks of 256 in 16 sub-blocks of 16. Bytes: 32 bytes of high bits (hmask),
 * 64 bytes of 2-bit low codes, 12 bytes packing sixteen 6-bit signed scales, fp16 d at 108;
 * value = d * (scale - 32) * (low | high &lt;&lt; 2) - 4 when the high bit is clear.
 */
public final class Q3_KFormat implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        int[] scales = new int[16];
        for (int b = 0; b < n / 256; b++) {
            long at = (start / 256 + b) * 110;
            float d = Blocks.half(data, at + 108);
            unpackScales(data, at + 96, scales);
            int y = off + b * 256;
            int is = 0;
            int m = 1;
            for (int half = 0; half < 2; half++) {
                long q = at + 32 + half * 32;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; part++) {
                        float dl = d * (scales[is++] - 32);
                        for (int l = 0; l < 16; l++) {
                            int low = (Blocks.u8(data, q + part * 16 + l) >>> shift) & 3;
                            boolean high = (Blocks.u8(data, at + part * 16 + l) & m) != 0;
                            out[y++] = dl * (low - (high ? 0 : 4));
                        }
                    }
                    m <<= 1;
                }
            }
        }
    }

    /** Sixteen 6-bit scales: low nibbles in bytes 0..7, high two bits in bytes 8..11. */
    static void unpackScales(MemorySegment data, long at, int[] out) {
        for (int j = 0; j < 16; j++) {
            int lowByte = Blocks.u8(data, at + (j % 8));
            int low = j < 8 ? lowByte & 0xF : lowByte >>> 4;
            int high = (Blocks.u8(data, at + 8 + (j % 4)) >>> (2 * (j / 4))) & 3;
            out[j] = low | high << 4;
        }
    }
}
