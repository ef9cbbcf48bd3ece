package org.llmexplorer.opencl;

import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.DeviceForward;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.model.Family;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Weights;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The OpenCL backend: whole forward passes on one device ({@link DeviceForward}), with each
 * model's weights uploaded once and each conversation's KV cache on the device. A step the
 * device has no kernel for (a weight type, a norm, an activation) runs on the CPU for that step
 * alone ({@link ForwardPass}); a model whose attention the device cannot run, or whose weights do
 * not fit, runs wholly on the CPU, through the SIMD backend this class also is for host-array
 * operations. Either is said once on standard error.
 */
public final class OpenClCompute implements Compute, DeviceForward {

    /** The steps a forward pass needs beyond matrix products; each family uses some of them. */
    public enum DeviceOp { RMS_NORM, LAYER_NORM, ROPE_NORM, ROPE_NEOX, SWIGLU, GEGLU, GELU, SOFTCAP, BIAS, QK_NORM, POST_NORM }

    private static final Cleaner CLEANER = Cleaner.create();

    private final Device device;
    private final ClContext cl;
    private final Kernels kernels;
    private final SimdCompute cpu;
    private final Set<DeviceOp> disabled;
    private final Set<GgmlType> matmulTypes;
    private final List<DeviceModel> models = new ArrayList<>();
    private final Map<Weights, String> decisions = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<InferenceState> onCpu = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /** Models whose decision (declined, or steps on the CPU) has been said. */
    private final Set<Weights> announced = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final Set<String> told = Collections.synchronizedSet(new LinkedHashSet<>());
    private volatile boolean closed;

    public OpenClCompute(Device device, int threads) {
        this(device, threads, EnumSet.noneOf(DeviceOp.class), EnumSet.noneOf(GgmlType.class));
    }

    /**
     * A backend whose device pretends not to have some steps and some weight types' matrix
     * products (to see the CPU fallback at work).
     */
    public OpenClCompute(Device device, int threads, Set<DeviceOp> disabled, Set<GgmlType> disabledTypes) {
        this.device = device;
        this.disabled = disabled.isEmpty() ? EnumSet.noneOf(DeviceOp.class) : EnumSet.copyOf(disabled);
        this.matmulTypes = EnumSet.copyOf(Kernels.MATMUL_TYPES);
        this.matmulTypes.removeAll(disabledTypes);
        this.cl = new ClContext(device);
        try {
            this.kernels = new Kernels(cl);
        } catch (RuntimeException e) {
            cl.close();
            throw e;
        }
        this.cpu = new SimdCompute(threads);
    }

    public Device device() {
        return device;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String describe() {
        return "opencl on " + device.name() + " (" + device.type() + ")";
    }

    @Override
    public int threads() {
        return cpu.threads();
    }

    /** Matrix products of every type with a kernel; the other operations exist for every type. */
    @Override
    public boolean supports(Op op, GgmlType type) {
        return op != Op.MATMUL || matmulTypes.contains(type);
    }

    /** Whether the device runs this step of a forward pass. */
    public boolean supports(DeviceOp op) {
        return !disabled.contains(op);
    }

    // ---- whole passes on the device ----------------------------------------------------------

    @Override
    public String declines(ModelConfig config, Weights weights) {
        String reason = decisions.computeIfAbsent(weights, w -> String.valueOf(why(config, w)));
        return reason.equals("null") ? null : reason;
    }

    /**
     * Why the device cannot run this model, or null: its attention needs a step the device lacks
     * (the soft-cap inside attention), or its weights do not fit. Steps and weight types without
     * a kernel do not stop it: they run on the CPU ({@link #hostSteps}).
     */
    private String why(ModelConfig c, Weights w) {
        if (c.family().attnSoftcap() > 0 && !supports(DeviceOp.SOFTCAP)) {
            return device.name() + " has no kernel for the soft-cap inside attention";
        }
        for (WeightMatrix m : matrices(w)) {
            if (matmulTypes.contains(m.type()) && m.byteSize() > device.maxAllocation()) {
                return m.name() + " takes " + ClContext.mib(m.byteSize()) + ", more than the largest buffer "
                        + device.name() + " allows (" + ClContext.mib(device.maxAllocation()) + ")";
            }
        }
        long bytes = DeviceModel.bytes(c, w);
        if (bytes > device.globalMemory() * 9 / 10) {
            return "the weights need " + ClContext.mib(bytes) + " of device memory; " + device.name() + " has "
                    + ClContext.mib(device.globalMemory());
        }
        return null;
    }

    /**
     * The steps of this model's passes that run on the CPU because the device has no kernel for
     * them (steps by name, matrix products by weight type), in words; empty when none.
     */
    @Override
    public List<String> hostSteps(ModelConfig c, Weights w) {
        Set<String> steps = new LinkedHashSet<>();
        for (DeviceOp op : needs(c, w)) {
            if (!supports(op)) {
                steps.add(op.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        for (WeightMatrix m : matrices(w)) {
            if (!matmulTypes.contains(m.type())) {
                steps.add("matmul of " + m.type());
            }
        }
        return List.copyOf(steps);
    }

    /** The steps this model's forward pass takes besides matrix products. */
    static Set<DeviceOp> needs(ModelConfig c, Weights w) {
        Family f = c.family();
        Set<DeviceOp> ops = EnumSet.of(f.norm() == Family.Norm.LAYER ? DeviceOp.LAYER_NORM : DeviceOp.RMS_NORM);
        if (f.rope() != null) {
            ops.add(f.rope() == org.llmexplorer.engine.model.Rope.Style.NEOX ? DeviceOp.ROPE_NEOX : DeviceOp.ROPE_NORM);
        }
        Weights.Layer l = w.layers()[0];
        ops.add(l.gate() == null ? DeviceOp.GELU : f.activation() == Family.Activation.GELU ? DeviceOp.GEGLU
                : DeviceOp.SWIGLU);
        if (f.attnSoftcap() > 0 || f.finalSoftcap() > 0) {
            ops.add(DeviceOp.SOFTCAP);
        }
        if (l.bq() != null || l.bo() != null || l.upBias() != null || l.downBias() != null) {
            ops.add(DeviceOp.BIAS);
        }
        if (l.qNorm() != null) {
            ops.add(DeviceOp.QK_NORM);
        }
        if (l.postAttnNorm() != null || l.postFfnNorm() != null) {
            ops.add(DeviceOp.POST_NORM);
        }
        return ops;
    }

    private static List<WeightMatrix> matrices(Weights w) {
        List<WeightMatrix> all = new ArrayList<>();
        for (Weights.Layer l : w.layers()) {
            for (WeightMatrix m : new WeightMatrix[] {l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down()}) {
                if (m != null) {
                    all.add(m);
                }
            }
        }
        all.add(w.output());
        return all;
    }

    @Override
    public boolean runs(ModelConfig config, Weights weights) {
        String reason = declines(config, weights); // memoised: this runs before every pass
        if (announced.add(weights)) {
            if (reason != null) {
                tell("running " + config.name() + " on the CPU (simd): " + reason);
            } else {
                List<String> host = hostSteps(config, weights);
                if (!host.isEmpty()) {
                    tell(device.name() + " has no kernel for " + String.join(", ", host) + ": those steps of "
                            + config.name() + " run on the CPU");
                }
            }
        }
        return reason == null;
    }

    @Override
    public synchronized void forward(Transformer transformer, InferenceState state, MaskPlan masks, int[] tokens,
                                     int from, int count, int startPos, boolean allLogits) {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        if (!onCpu.contains(state)) {
            try {
                DeviceModel model = model(transformer.config(), transformer.weights());
                DeviceState s = stateFor(state, model, transformer.config(), startPos);
                new ForwardPass(cl, kernels, model, s, disabled, cpu).run(transformer, state, masks, tokens, from, count, startPos,
                        allLogits);
                return;
            } catch (OpenClException.OutOfDeviceMemory e) {
                // this conversation does not fit next to what the device holds: the CPU takes it over
                tell(e.getMessage() + "; this conversation continues on the CPU (simd)");
                onCpu.add(state);
                state.leaveDevice();
            }
        }
        transformer.forward(cpu, state, masks, tokens, from, count, startPos, allLogits);
    }

    /** The device copy of these weights, uploaded on first use (at most two models are kept). */
    private DeviceModel model(ModelConfig c, Weights w) {
        models.removeIf(m -> m.weights.get() == null && release(m));
        for (DeviceModel m : models) {
            if (m.weights.get() == w) {
                return m;
            }
        }
        if (models.size() >= 2) {
            release(models.removeFirst());
        }
        DeviceModel m;
        try {
            m = new DeviceModel(cl, c, w, matmulTypes);
        } catch (OpenClException.OutOfDeviceMemory e) {
            decisions.put(w, e.getMessage());
            announced.remove(w); // the decision changed: say the new one
            throw e;
        }
        models.add(m);
        return m;
    }

    private boolean release(DeviceModel m) {
        m.release(cl);
        return true;
    }

    /**
     * The device state of a conversation, made (with the host's cache of positions [0, upload)
     * copied up) when it has none of this backend and model; a state of another device or model
     * gives the cache back to the host first.
     */
    synchronized DeviceState stateFor(InferenceState host, DeviceModel model, ModelConfig c, int upload) {
        if (host.deviceState() instanceof DeviceState d && d.owner == this && d.model == model
                && d.contextLength == host.contextLength()) {
            return d;
        }
        host.leaveDevice();
        DeviceState d;
        try {
            d = new DeviceState(this, cl, model, c, host.contextLength(), host.batch());
        } catch (OpenClException.OutOfDeviceMemory e) {
            // conversations no longer referenced may still hold device memory until collected
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            d = new DeviceState(this, cl, model, c, host.contextLength(), host.batch());
        }
        if (upload > 0) {
            d.uploadFrom(host, upload);
        }
        host.deviceState(d);
        CLEANER.register(host, d::release);
        return d;
    }

    /** Prints a notice to standard error, once per distinct text. */
    private void tell(String notice) {
        if (told.add(notice)) {
            System.err.println("llmx opencl: " + notice);
        }
    }

    boolean isClosed() {
        return closed;
    }

    // ---- host-array operations: the CPU path of models the device declines -------------------

    @Override
    public void matmul(WeightMatrix w, float[] x, int batch, float[] out) {
        cpu.matmul(w, x, batch, out);
    }

    @Override
    public void rmsNorm(float[] out, float[] x, float[] weight, int batch, int dim, float eps) {
        cpu.rmsNorm(out, x, weight, batch, dim, eps);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return cpu.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        cpu.axpy(alpha, x, xOff, y, yOff, n);
    }

    @Override
    public void softmax(float[] x, int off, int n) {
        cpu.softmax(x, off, n);
    }

    @Override
    public void swiglu(float[] gate, float[] up, int n) {
        cpu.swiglu(gate, up, n);
    }

    @Override
    public void parallelFor(int n, Parallel.Task body) {
        cpu.parallelFor(n, body);
    }

    /** The kernels, for tests that run them one by one. */
    Kernels kernels() {
        return kernels;
    }

    ClContext context() {
        return cl;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (DeviceModel m : models) {
            m.release(cl);
        }
        models.clear();
        closed = true;
        kernels.close();
        cl.close();
        cpu.close();
    }
}
