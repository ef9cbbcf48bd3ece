package org.llmexplorer.opencl;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.compute.Gelu;
import org.llmexplorer.engine.model.Family;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Weights;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * A model's weights on the device, uploaded once: every matrix as its GGUF bytes (no
 * conversion; a tied output shares the embedding's upload), the norm vectors and biases as
 * floats, and the GELU table where the family uses GELU. The token embedding stays on the host:
 * a pass looks up its few rows there and uploads them.
 */
final class DeviceModel {
    /** The weights this is a copy of (weakly: a closed model's copy is dropped by its backend). */
    final WeakReference<Weights> weights;
    final Buffer geluTable;
    private final List<Buffer> buffers = new ArrayList<>();
    private final Map<Long, Buffer> uploaded = new HashMap<>();
    /** The device copy of each of the host's matrices and vectors, by the host object. */
    private final Map<WeightMatrix, DeviceMatrix> matrices = new IdentityHashMap<>();
    private final Map<float[], Buffer> vectors = new IdentityHashMap<>();

    /** Weight types the device multiplies; matrices of other types stay on the host. */
    private final Set<GgmlType> kernelTypes;

    DeviceModel(ClContext cl, ModelConfig c, Weights w, Set<GgmlType> kernelTypes) {
        this.weights = new WeakReference<>(w);
        this.kernelTypes = kernelTypes;
        try {
            for (Weights.Layer h : w.layers()) {
                for (WeightMatrix m : new WeightMatrix[] {h.wq(), h.wk(), h.wv(), h.wo(), h.gate(), h.up(), h.down()}) {
                    upload(cl, m);
                }
                for (float[] v : new float[][] {h.attnNorm(), h.attnNormBias(), h.bq(), h.bk(), h.bv(), h.qNorm(),
                        h.kNorm(), h.bo(), h.postAttnNorm(), h.ffnNorm(), h.ffnNormBias(), h.upBias(), h.downBias(),
                        h.postFfnNorm()}) {
                    upload(cl, v);
                }
            }
            upload(cl, w.outputNorm());
            upload(cl, w.outputNormBias());
            upload(cl, w.output());
            geluTable = c.family().activation() == Family.Activation.GELU ? upload(cl, geluTable()) : null;
        } catch (RuntimeException e) {
            release(cl);
            throw e;
        }
    }

    /** The device copy of one of the model's matrices. */
    DeviceMatrix matrix(WeightMatrix m) {
        DeviceMatrix d = matrices.get(m);
        if (d == null) {
            throw new IllegalArgumentException(m.name() + " is not a weight of this model on the device");
        }
        return d;
    }

    /** The device copy of one of the model's weight vectors (a norm's weights, a bias). */
    Buffer vector(float[] v) {
        Buffer b = vectors.get(v);
        if (b == null) {
            throw new IllegalArgumentException("a weight vector of " + v.length + " values that this model does not have");
        }
        return b;
    }

    /** Bytes the weights take on the device (what {@link OpenClCompute#declines} weighs against its memory). */
    static long bytes(ModelConfig c, Weights w) {
        Map<Long, Long> matrices = new HashMap<>();
        long vectors = 0;
        for (Weights.Layer h : w.layers()) {
            for (WeightMatrix m : new WeightMatrix[] {h.wq(), h.wk(), h.wv(), h.wo(), h.gate(), h.up(), h.down()}) {
                if (m != null) {
                    matrices.put(m.data().address(), m.byteSize());
                }
            }
            vectors += 4L * (4L * c.dim() + c.qDim() + 2L * c.kvDim() + c.ffnDim() + 2L * c.headDim());
        }
        matrices.put(w.output().data().address(), w.output().byteSize());
        return matrices.values().stream().mapToLong(Long::longValue).sum() + vectors + (1 << 18);
    }

    /** The GELU of every fp16 value, as the CPU engine looks it up (the kernel handles |x| >= 10). */
    private static float[] geluTable() {
        float[] t = new float[1 << 16];
        for (int i = 0; i < t.length; i++) {
            float x = Float.float16ToFloat((short) i);
            t[i] = Math.abs(x) < 10f ? Gelu.of(x) : 0f;
        }
        return t;
    }

    private void upload(ClContext cl, WeightMatrix m) {
        if (m == null || matrices.containsKey(m)) {
            return;
        }
        if (!kernelTypes.contains(m.type())) {
            matrices.put(m, new DeviceMatrix(m.type(), m.rows(), m.cols(), null, m));
            return;
        }
        long address = m.data().address();
        Buffer b = uploaded.get(address); // a tied output shares the embedding's upload
        if (b == null || b.bytes < m.byteSize()) {
            b = cl.upload(m.data().asSlice(0, m.byteSize()).asByteBuffer(), m.name());
            buffers.add(b);
            uploaded.put(address, b);
        }
        matrices.put(m, new DeviceMatrix(m.type(), m.rows(), m.cols(), b, m));
    }

    private Buffer upload(ClContext cl, float[] v) {
        if (v == null) {
            return null;
        }
        Buffer b = vectors.get(v);
        if (b == null) {
            b = cl.upload(v, "a weight vector");
            buffers.add(b);
            vectors.put(v, b);
        }
        return b;
    }

    void release(ClContext cl) {
        buffers.forEach(cl::release);
        buffers.clear();
    }
}
