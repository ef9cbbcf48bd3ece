package org.llmexplorer.opencl;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.Gelu;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Weights;
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
    final Layer[] layers;
    final Buffer outputNorm;
    final Buffer outputNormBias;
    final DeviceMatrix output;
    final Buffer geluTable;
    private final List<Buffer> buffers = new ArrayList<>();
    private final Map<Long, Buffer> uploaded = new HashMap<>();

    record Layer(Buffer attnNorm, Buffer attnNormBias, DeviceMatrix wq, DeviceMatrix wk, DeviceMatrix wv, Buffer bq,
                 Buffer bk, Buffer bv, Buffer qNorm, Buffer kNorm, DeviceMatrix wo, Buffer bo, Buffer postAttnNorm,
                 Buffer ffnNorm, Buffer ffnNormBias, DeviceMatrix gate, DeviceMatrix up, Buffer upBias, DeviceMatrix down,
                 Buffer downBias, Buffer postFfnNorm) {
    }

    /** Weight types the device multiplies; matrices of other types stay on the host. */
    private final java.util.Set<org.llmexplorer.engine.tensor.GgmlType> kernelTypes;

    DeviceModel(ClContext cl, ModelConfig c, Weights w, java.util.Set<org.llmexplorer.engine.tensor.GgmlType> kernelTypes) {
        this.weights = new WeakReference<>(w);
        this.kernelTypes = kernelTypes;
        try {
            layers = new Layer[c.layers()];
            for (int l = 0; l < layers.length; l++) {
                Weights.Layer h = w.layers()[l];
                layers[l] = new Layer(vector(cl, h.attnNorm()), vector(cl, h.attnNormBias()),
                        matrix(cl, h.wq()), matrix(cl, h.wk()), matrix(cl, h.wv()),
                        vector(cl, h.bq()), vector(cl, h.bk()), vector(cl, h.bv()),
                        vector(cl, h.qNorm()), vector(cl, h.kNorm()),
                        matrix(cl, h.wo()), vector(cl, h.bo()), vector(cl, h.postAttnNorm()),
                        vector(cl, h.ffnNorm()), vector(cl, h.ffnNormBias()),
                        matrix(cl, h.gate()), matrix(cl, h.up()), vector(cl, h.upBias()),
                        matrix(cl, h.down()), vector(cl, h.downBias()), vector(cl, h.postFfnNorm()));
            }
            outputNorm = vector(cl, w.outputNorm());
            outputNormBias = vector(cl, w.outputNormBias());
            output = matrix(cl, w.output());
            geluTable = c.family().activation() == org.llmexplorer.engine.model.Family.Activation.GELU
                    ? vector(cl, geluTable()) : null;
        } catch (RuntimeException e) {
            release(cl);
            throw e;
        }
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

    private DeviceMatrix matrix(ClContext cl, WeightMatrix m) {
        if (m == null) {
            return null;
        }
        if (!kernelTypes.contains(m.type())) {
            return new DeviceMatrix(m.type(), m.rows(), m.cols(), null, m);
        }
        long address = m.data().address();
        Buffer b = uploaded.get(address);
        if (b == null || b.bytes < m.byteSize()) {
            b = cl.upload(m.data().asSlice(0, m.byteSize()).asByteBuffer(), m.name());
            buffers.add(b);
            uploaded.put(address, b);
        }
        return new DeviceMatrix(m.type(), m.rows(), m.cols(), b, m);
    }

    private Buffer vector(ClContext cl, float[] v) {
        if (v == null) {
            return null;
        }
        Buffer b = cl.upload(v, "a weight vector");
        buffers.add(b);
        return b;
    }

    void release(ClContext cl) {
        buffers.forEach(cl::release);
        buffers.clear();
    }
}
