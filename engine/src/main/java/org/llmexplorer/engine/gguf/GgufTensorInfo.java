package org.llmexplorer.engine.gguf;

import java.util.Arrays;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * A tensor's entry in the GGUF header. {@code shape} is in ggml order: shape[0] is the row
 * length (the fastest-varying dimension). {@code offset} is relative to the data section.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] shape, long offset) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long byteSize() {
        return type.bytesFor(elementCount());
    }

    /** Shape printed the way ggml prints it: [ne0, ne1, ...]. */
    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && t.name.equals(name) && t.type == type
                && Arrays.equals(t.shape, shape) && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
