package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/** IEEE half-precision floats (binary16), little-endian. */
public final class F16Format implements TensorFormat {
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED;

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        for (int i = 0; i < n; i++) {
            out[off + i] = Float.float16ToFloat(data.get(S, (start + i) * 2));
        }
    }

    @Override
    public float dot(MemorySegment data, long start, float[] x, int xOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Float.float16ToFloat(data.get(S, (start + i) * 2)) * x[xOff + i];
        }
        return (float) sum;
    }
}
