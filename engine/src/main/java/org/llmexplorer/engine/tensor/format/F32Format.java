package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormat;

/** 32-bit IEEE floats, little-endian. */
public final class F32Format implements TensorFormat {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public void dequantize(MemorySegment data, long start, float[] out, int off, int n) {
        MemorySegment.copy(data, F, start * 4, out, off, n);
    }

    @Override
    public float dot(MemorySegment data, long start, float[] x, int xOff, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += data.get(F, (start + i) * 4) * x[xOff + i];
        }
        return (float) sum;
    }
}
