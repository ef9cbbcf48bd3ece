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
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.model.DeviceWorkspaces;
import org.llmexplorer.engine.model.HostFallback;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.KvCache;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Weights;
import org.llmexplorer.engine.model.Workspace;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * The OpenCL backend: each conversation's passes run in a {@link ClWorkspace} on one device, with
 * each model's weights uploaded once and each conversation's KV cache on the device. A step the
 * device has no kernel for (a weight type, a norm, an activation) runs on the CPU for that step
 * alone ({@link HostFallback}); a model whose attention the device cannot run, or whose weights do
 * not fit, runs wholly on the CPU, through the SIMD backend this class also is for host-array
 * operations. Either is said once on standard error.
 */
public final class OpenClCompute implements Compute, DeviceWorkspaces {

    private static final Cleaner CLEANER = Cleaner.create();

    private final Device device;
    private final ClContext cl;
    private final Kernels kernels;
    private final SimdCompute cpu;
    private final Set<Workspace.Op> disabled;
    private final Set<GgmlType> matmulTypes;
    private final List<DeviceModel> models = new ArrayList<>();
    private final Map<Weights, String> decisions = Collections.synchronizedMap(new WeakHashMap<>());
    /** Models whose decision (declined, or steps on the CPU) has been said. */
    private final Set<Weights> announced = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private final Set<String> told = Collections.synchronizedSet(new LinkedHashSet<>());
    private volatile boolean closed;

    public OpenClCompute(Device device, int threads) {
        this(device, threads, EnumSet.noneOf(Workspace.Op.class), EnumSet.noneOf(GgmlType.class));
    }

    /**
     * A backend whose device pretends not to have some operations and some weight types' matrix
     * products (to see the CPU fallback at work).
     */
    public OpenClCompute(Device device, int threads, Set<Workspace.Op> disabled, Set<GgmlType> disabledTypes) {
        this.device = device;
        this.disabled = disabled.isEmpty() ? EnumSet.noneOf(Workspace.Op.class) : EnumSet.copyOf(disabled);
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

    /** 32: the attention scratch is tokens x heads x context floats (a 32-head model at 32K context: 128 MiB). */
    @Override
    public int promptBatch() {
        return 32;
    }

    /** Matrix products of every type with a kernel; the other operations exist for every type. */
    @Override
    public boolean supports(Op op, GgmlType type) {
        return op != Op.MATMUL || matmulTypes.contains(type);
    }

    @Override
    public boolean runs(Workspace.Op op) {
        return !disabled.contains(op);
    }

    @Override
    public boolean multiplies(GgmlType type) {
        return matmulTypes.contains(type);
    }

    // ---- conversations on the device -----------------------------------------------------------

    @Override
    public String declines(Transformer model) {
        Weights weights = model.weights();
        String reason = decisions.computeIfAbsent(weights, w -> String.valueOf(why(model)));
        reason = reason.equals("null") ? null : reason;
        if (announced.add(weights)) {
            if (reason != null) {
                tell("running " + model.config().name() + " on the CPU (simd): " + reason);
            } else {
                List<String> host = model.hostSteps(this);
                if (!host.isEmpty()) {
                    tell(device.name() + " has no kernel for " + String.join(", ", host) + ": those steps of "
                            + model.config().name() + " run on the CPU");
                }
            }
        }
        return reason;
    }

    /**
     * Why the device cannot run this model, or null: its attention needs a step the device lacks
     * (the soft-cap inside attention), or its weights do not fit. Steps and weight types without
     * a kernel do not stop it: they run on the CPU ({@link Transformer#hostSteps}).
     */
    private String why(Transformer model) {
        ModelConfig c = model.config();
        if (c.family().attnSoftcap() > 0 && !runs(Workspace.Op.SOFTCAP)) {
            return device.name() + " has no kernel for the soft-cap inside attention";
        }
        for (WeightMatrix m : model.matrices()) {
            if (matmulTypes.contains(m.type()) && m.byteSize() > device.maxAllocation()) {
                return m.name() + " takes " + ClContext.mib(m.byteSize()) + ", more than the largest buffer "
                        + device.name() + " allows (" + ClContext.mib(device.maxAllocation()) + ")";
            }
        }
        long bytes = DeviceModel.bytes(c, model.weights());
        if (bytes > device.globalMemory() * 9 / 10) {
            return "the weights need " + ClContext.mib(bytes) + " of device memory; " + device.name() + " has "
                    + ClContext.mib(device.globalMemory());
        }
        return null;
    }

    @Override
    public synchronized Workspace open(Transformer model, InferenceState s) {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        if (s.kvType() == KvCache.Type.Q8_0) { // the device's attention reads float and half caches only
            tell("a Q8_0 KV cache is kept in the computer's memory: conversations with it run on the CPU (simd)");
            return null;
        }
        DeviceModel m;
        try {
            m = model(model.config(), model.weights());
        } catch (OpenClException.OutOfDeviceMemory e) {
            return null; // the decision now says why; this pass runs on the CPU
        }
        ClWorkspace w = openOnDevice(m, model.config(), s);
        return w == null ? null : HostFallback.around(w, this);
    }

    /**
     * A new device workspace of a conversation, freed when the conversation is collected; null
     * (and said once) when it does not fit next to what the device holds.
     */
    synchronized ClWorkspace openOnDevice(DeviceModel m, ModelConfig c, InferenceState s) {
        ClWorkspace w;
        try {
            try {
                w = new ClWorkspace(this, cl, kernels, m, c, s.contextLength(), s.batch(), s.kvType());
            } catch (OpenClException.OutOfDeviceMemory | Workspace.OutOfMemory e) {
                // conversations no longer referenced may still hold device memory until collected
                System.gc();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                w = new ClWorkspace(this, cl, kernels, m, c, s.contextLength(), s.batch(), s.kvType());
            }
        } catch (OpenClException.OutOfDeviceMemory | Workspace.OutOfMemory e) {
            tell(e.getMessage() + "; this conversation continues on the CPU (simd)");
            return null;
        }
        CLEANER.register(s, w::release);
        return w;
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

    @Override
    public void attend(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase, float[] values,
                       int valueBase, int valueStride, int[] allowed, int n, float scale, float softcap,
                       float[] out, int outOff, float[] scores, boolean keepWeights) {
        cpu.attend(q, qOff, heads, headDim, keys, keyBase, values, valueBase, valueStride, allowed, n, scale, softcap,
                out, outOff, scores, keepWeights);
    }

    @Override
    public void attendF16(float[] q, int qOff, int heads, org.llmexplorer.engine.compute.HalfHead kv, int[] allowed,
                          int n, float scale, float softcap, float[] out, int outOff, float[] scores) {
        cpu.attendF16(q, qOff, heads, kv, allowed, n, scale, softcap, out, outOff, scores);
    }

    @Override
    public void attendHalfWeights(float[] q, int qOff, int heads, int headDim, float[] keys, int keyBase,
                                  float[] values, int valueBase, int valueStride, int[] allowed, int n, float scale,
                                  float softcap, float[] out, int outOff, float[] scores) {
        cpu.attendHalfWeights(q, qOff, heads, headDim, keys, keyBase, values, valueBase, valueStride, allowed, n, scale,
                softcap, out, outOff, scores);
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
