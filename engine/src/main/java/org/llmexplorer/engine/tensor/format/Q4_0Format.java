package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q4_0: blocks of 32 values, each block a half-precision scale d and 16 bytes of 4-bit codes.
 * Byte j holds element j in its low nibble and element j + 16 in its high nibble;
 * value = d * (code - 8).
 */
public final class Q4_0Format implements TensorFormat {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 18;

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long at = (start / BLOCK + b) * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            int o = off + b * BLOCK;
            for (int j = 0; j < 16; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
                out[o + j] = d * ((q & 0x0F) - 8);
                out[o + j + 16] = d * ((q >>> 4) - 8);
            }
        }
    }

    @Override
    public float dot(MemorySegment data, long start, float[] x, int xOff, int n) {
        double sum = 0;
        for (int b = 0; b < n / BLOCK; b++) {
            long at = (start / BLOCK + b) * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            int o = xOff + b * BLOCK;
            double blockSum = 0;
            for (int j = 0; j < 16; j++) {
                int q = data.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
                blockSum += ((q & 0x0F) - 8) * x[o + j] + ((q >>> 4) - 8) * x[o + j + 16];
            }
            sum += d * blockSum;
        }
        return (float) sum;
    }
}
