package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/** bfloat16: the upper 16 bits of an IEEE float32. */
public final class BF16Format implements TensorFormat {
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    @Override
    public GgmlType type() {
        return GgmlType.BF16;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int i = 0; i < n; i++) {
            out[off + i] = toFloat(data.get(S, (start + i) * 2));
        }
    }

    @Override
    public float dot(MemorySegment data, long start, float[] x, int xOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += toFloat(data.get(S, (start + i) * 2)) * x[xOff + i];
        }
        return (float) sum;
    }
}
