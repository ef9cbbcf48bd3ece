package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/**
 * Q8_0: blocks of 32 values, each block a half-precision scale d followed by 32 signed bytes q;
 * value = d * q.
 */
public final class Q8_0Format implements TensorFormat {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int b = 0; b < n / BLOCK; b++) {
            long at = (start / BLOCK + b) * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            for (int j = 0; j < BLOCK; j++) {
                out[off + b * BLOCK + j] = d * data.get(ValueLayout.JAVA_BYTE, at + 2 + j);
            }
        }
    }

    @Override
    public float dot(MemorySegment data, long start, float[] x, int xOff, int n) {
        double sum = 0;
        for (int b = 0; b < n / BLOCK; b++) {
            long at = (start / BLOCK + b) * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            double blockSum = 0;
            for (int j = 0; j < BLOCK; j++) {
                blockSum += data.get(ValueLayout.JAVA_BYTE, at + 2 + j) * x[xOff + b * BLOCK + j];
            }
            sum += d * blockSum;
        }
        return (float) sum;
    }
}
