package org.llmexplorer.engine.model;

import java.util.function.Consumer;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * A device's workspace with the CPU standing in for what the device lacks: an operation it does
 * not run ({@link Workspace#runs}), or a matrix product of a type it has no kernel for, reads its
 * inputs back, runs on the CPU's {@link Compute} (so it rounds as the CPU path does) and uploads
 * the result. The one place where that happens; {@link Transformer#hostSteps} lists the steps.
 */
public final class HostFallback implements Workspace {
    private final Workspace device;
    private final Compute cpu;

    private HostFallback(Workspace device, Compute cpu) {
        this.device = device;
        this.cpu = cpu;
    }

    /** The device's workspace, with the CPU taking the operations it lacks. */
    public static Workspace around(Workspace device, Compute cpu) {
        return new HostFallback(device, cpu);
    }

    // ---- operations: on the device where it runs them, else read back, run on the CPU, upload ----

    @Override
    public void matmul(WeightMatrix w, Buffer in, int batch, Buffer out) {
        if (device.multiplies(w.type())) {
            device.matmul(w, in, batch, out);
        } else {
            float[] x = read(in, batch * w.cols());
            float[] y = new float[batch * w.rows()];
            cpu.matmul(w, x, batch, y);
            device.write(y, 0, out, 0, y.length);
        }
    }

    @Override
    public void addBias(Buffer x, float[] bias, int batch, int n) {
        if (device.runs(Op.BIAS)) {
            device.addBias(x, bias, batch, n);
        } else {
            inPlace(x, batch * n, v -> cpu.addBias(v, bias, batch, n));
        }
    }

    @Override
    public void rmsNorm(Buffer out, Buffer x, float[] weight, int batch, int dim, float eps) {
        if (device.runs(Op.RMS_NORM)) {
            device.rmsNorm(out, x, weight, batch, dim, eps);
        } else {
            float[] v = read(x, batch * dim);
            cpu.rmsNorm(v, v, weight, batch, dim, eps);
            device.write(v, 0, out, 0, v.length);
        }
    }

    @Override
    public void layerNorm(Buffer out, Buffer x, float[] weight, float[] bias, int batch, int dim, float eps) {
        if (device.runs(Op.LAYER_NORM)) {
            device.layerNorm(out, x, weight, bias, batch, dim, eps);
        } else {
            float[] v = read(x, batch * dim);
            float[] o = new float[v.length];
            cpu.layerNorm(o, v, weight, bias, batch, dim, eps);
            device.write(o, 0, out, 0, o.length);
        }
    }

    @Override
    public void rope(Buffer v, Rope rope, int count, int startPos, int heads, int headDim) {
        if (device.runs(Op.ROPE)) {
            device.rope(v, rope, count, startPos, heads, headDim);
        } else {
            float[] cos = new float[rope.pairs()];
            float[] sin = new float[rope.pairs()];
            inPlace(v, count * heads * headDim, x -> {
                for (int t = 0; t < count; t++) {
                    rope.angles(startPos + t, cos, sin);
                    rope.apply(x, t * heads * headDim, heads, headDim, cos, sin);
                }
            });
        }
    }

    @Override
    public void scale(Buffer x, float factor, int n) {
        if (device.runs(Op.SCALE)) {
            device.scale(x, factor, n);
        } else {
            inPlace(x, n, v -> {
                for (int i = 0; i < n; i++) {
                    v[i] *= factor;
                }
            });
        }
    }

    @Override
    public void add(Buffer y, Buffer x, int n) {
        if (device.runs(Op.ADD)) {
            device.add(y, x, n);
        } else {
            float[] from = read(x, n);
            inPlace(y, n, v -> cpu.axpy(1f, from, 0, v, 0, n));
        }
    }

    @Override
    public void gelu(Buffer x, int n) {
        if (device.runs(Op.GELU)) {
            device.gelu(x, n);
        } else {
            inPlace(x, n, v -> cpu.gelu(v, n));
        }
    }

    @Override
    public void geglu(Buffer gate, Buffer up, int n) {
        if (device.runs(Op.GEGLU)) {
            device.geglu(gate, up, n);
        } else {
            float[] u = read(up, n);
            inPlace(gate, n, g -> cpu.geglu(g, u, n));
        }
    }

    @Override
    public void swiglu(Buffer gate, Buffer up, int n) {
        if (device.runs(Op.SWIGLU)) {
            device.swiglu(gate, up, n);
        } else {
            float[] u = read(up, n);
            inPlace(gate, n, g -> cpu.swiglu(g, u, n));
        }
    }

    @Override
    public void softcap(Buffer x, int n, float cap) {
        if (device.runs(Op.SOFTCAP)) {
            device.softcap(x, n, cap);
        } else {
            inPlace(x, n, v -> cpu.softcap(v, 0, n, cap));
        }
    }

    private float[] read(Buffer b, int n) {
        float[] v = new float[n];
        device.read(b, 0, v, 0, n);
        return v;
    }

    /** Runs a CPU step on the first n floats of b, in place. */
    private void inPlace(Buffer b, int n, Consumer<float[]> step) {
        float[] v = read(b, n);
        step.accept(v);
        device.write(v, 0, b, 0, n);
    }

    // ---- everything else is the device's -------------------------------------------------------

    @Override
    public Buffers buffers(int count) {
        return device.buffers(count);
    }

    @Override
    public Buffer logits(int n) {
        return device.logits(n);
    }

    @Override
    public void read(Buffer b, int off, float[] to, int toOff, int n) {
        device.read(b, off, to, toOff, n);
    }

    @Override
    public void write(float[] from, int fromOff, Buffer b, int off, int n) {
        device.write(from, fromOff, b, off, n);
    }

    @Override
    public void copy(Buffer a, int aOff, Buffer b, int bOff, int n) {
        device.copy(a, aOff, b, bOff, n);
    }

    @Override
    public void store(int layer, Buffer k, Buffer v, int count, int startPos) {
        device.store(layer, k, v, count, startPos);
    }

    @Override
    public void attend(Attention a, Buffer q, Buffer out) {
        device.attend(a, q, out);
    }

    @Override
    public void finish(InferenceState s) {
        device.finish(s);
    }

    @Override
    public boolean onHost() {
        return device.onHost();
    }

    @Override
    public boolean serves(Object backend, Transformer model, int contextLength) {
        return device.serves(backend, model, contextLength);
    }

    @Override
    public boolean runs(Op op) {
        return true;
    }

    @Override
    public void copyCacheToHost(KvCache host) {
        device.copyCacheToHost(host);
    }

    @Override
    public void copyCacheFromHost(KvCache host, int positions) {
        device.copyCacheFromHost(host, positions);
    }

    @Override
    public Workspace copyCacheTo(InferenceState target, int positions) {
        return device.copyCacheTo(target, positions);
    }

    @Override
    public void release() {
        device.release();
    }
}
