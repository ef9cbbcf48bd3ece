package org.llmexplorer.opencl;

import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * A weight matrix of a model on the device: its GGUF bytes as they are in the file, rows after
 * rows; {@code data} is null for a type the device has no kernel for, whose products the CPU
 * computes from {@code host}.
 */
record DeviceMatrix(GgmlType type, int rows, int cols, Buffer data, WeightMatrix host) {
    boolean onDevice() {
        return data != null;
    }
}
