package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.tensor.WeightMatrix;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * The kernels one at a time on host arrays, for op-by-op tests: upload the inputs, launch
 * exactly what a forward pass launches, read the result back.
 */
final class DeviceOps implements AutoCloseable {
    private final OpenClCompute compute;
    private final ClContext cl;
    private final Kernels k;
    private final List<Buffer> buffers = new ArrayList<>();

    DeviceOps(OpenClCompute compute) {
        this.compute = compute;
        this.cl = compute.context();
        this.k = compute.kernels();
    }

    Buffer up(float[] v) {
        Buffer b = cl.upload(v, "test input");
        buffers.add(b);
        return b;
    }

    Buffer up(int[] v) {
        Buffer b = cl.allocate(4L * v.length, "test input");
        cl.write(b, 0, v, 0, v.length);
        buffers.add(b);
        return b;
    }

    Buffer room(int floats) {
        Buffer b = cl.allocate(4L * floats, "test output");
        buffers.add(b);
        return b;
    }

    float[] down(Buffer b, int n) {
        float[] out = new float[n];
        cl.read(b, 0, out, 0, n);
        return out;
    }

    ClContext cl() {
        return cl;
    }

    /** Waits for a timed launch and frees its event. */
    long nanos(long event) {
        return cl.nanos(event);
    }

    Kernels kernels() {
        return k;
    }

    float[] matmul(WeightMatrix w, float[] x, int batch) {
        Buffer data = cl.upload(w.data().asSlice(0, w.byteSize()).asByteBuffer(), "test weights");
        buffers.add(data);
        Activations a = new Activations(cl, batch, w.cols());
        try {
            Buffer out = room(batch * w.rows());
            k.matmul(new DeviceMatrix(w.type(), w.rows(), w.cols(), data, w), a.of(up(x), w.cols()), batch, out);
            return down(out, batch * w.rows());
        } finally {
            a.release(cl);
        }
    }

    @Override
    public void close() {
        buffers.forEach(cl::release);
        compute.close();
    }
}
