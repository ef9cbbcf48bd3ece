package org.llmexplorer.opencl;

import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.opencl.ClContext.Buffer;

/** A weight matrix on the device: its GGUF bytes as they are in the file, rows after rows. */
record DeviceMatrix(GgmlType type, int rows, int cols, Buffer data) {
}
