package org.llmexplorer.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A weight tensor seen as a matrix of {@code rows} rows of {@code cols} values each, stored in
 * its file format in place (usually inside the memory-mapped model file).
 */
public record WeightMatrix(String name, GgmlType type, MemorySegment data, int rows, int cols) {

    public WeightMatrix {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": row length " + cols + " is not a multiple of the "
                    + type + " block size");
        }
        if (data.byteSize() < type.bytesFor((long) rows * cols)) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes is too small for "
                    + rows + "x" + cols + " " + type);
        }
    }

    public TensorFormat format() {
        return TensorFormats.of(type);
    }

    public long rowBytes() {
        return type.bytesFor(cols);
    }

    public long byteSize() {
        return rowBytes() * rows;
    }

    /** Dequantizes one row into out[off .. off + cols). */
    public void dequantizeRow(int row, float[] out, int off) {
        format().dequantize(data, (long) row * cols, out, off, cols);
    }
}
