package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q2_K: super-blocks of 256 in 16 sub-blocks of 16. Bytes: 16 scale bytes (low nibble scale,
 * high nibble minimum of a sub-block), 64 bytes of 2-bit codes, fp16 d and dmin at 80 and 82;
 * value = d * scale * q - dmin * min. Codes for 128 values share 32 bytes, four 2-bit planes.
 */
public final class Q2_KFormat implements TensorFormat {
    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / 256; b++) {
            long at = (start / 256 + b) * 84;
            float d = Blocks.half(data, at + 80);
            float min = Blocks.half(data, at + 82);
            int y = off + b * 256;
            int is = 0;
            for (int half = 0; half < 2; half++) {
                long q = at + 16 + half * 32;
                for (int shift = 0; shift < 8; shift += 2) {
                    for (int part = 0; part < 2; part++) {
                        int sc = Blocks.u8(data, at + is++);
                        float dl = d * (sc & 0xF);
                        float ml = min * (sc >>> 4);
                        for (int l = 0; l < 16; l++) {
                            out[y++] = dl * ((Blocks.u8(data, q + part * 16 + l) >>> shift) & 3) - ml;
                        }
                    }
                }
            }
        }
    }
}
