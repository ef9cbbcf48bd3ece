package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.llmexplorer.engine.attention.AttentionRecorder;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.Family;
import org.llmexplorer.engine.model.InferenceState;
import org.llmexplorer.engine.model.ModelConfig;
import org.llmexplorer.engine.model.Rope;
import org.llmexplorer.engine.model.Transformer;
import org.llmexplorer.engine.model.Weights;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * One forward pass on the device, step for step the CPU path of {@link Transformer#forward}
 * (read that first: the same steps in the same order, each a kernel launch on device buffers).
 * The host does what is cheap and must round as the CPU does: the embedding rows of the new
 * tokens, the rope angles and the lists of allowed keys; it reads back the logits, and
 * attention weights only of the heads a recorder watches.
 *
 * <p>A step the device has no kernel for (see {@link OpenClCompute#supports(OpenClCompute.DeviceOp)})
 * runs on the CPU for that step alone: its input is read back, the engine's own operation
 * runs on it, and the result goes up again; a matrix of a type without a kernel is multiplied
 * on the CPU the same way. Only attention itself has no such path (the backend declines a
 * model whose attention it cannot run).
 */
final class ForwardPass {
    private final ClContext cl;
    private final Kernels k;
    private final DeviceModel m;
    private final DeviceState s;
    private final ModelConfig c;
    private final Family f;
    private final Set<OpenClCompute.DeviceOp> onHost;
    private final Compute cpu;

    ForwardPass(ClContext cl, Kernels kernels, DeviceModel model, DeviceState state, Set<OpenClCompute.DeviceOp> onHost,
                Compute cpu) {
        this.cl = cl;
        this.k = kernels;
        this.m = model;
        this.s = state;
        this.c = state.c;
        this.f = c.family();
        this.onHost = onHost;
        this.cpu = cpu;
    }

    void run(Transformer transformer, InferenceState host, org.llmexplorer.engine.attention.MaskPlan masks,
             int[] tokens, int from, int count, int startPos, boolean allLogits) {
        s.ensureBatch(count);
        int dim = c.dim();
        embed(transformer.weights(), tokens, from, count, startPos);
        List<Rope> ropes = angles(transformer, count, startPos);
        AttentionPlan plan = AttentionPlan.of(masks, c.layers(), c.heads(), startPos, count);
        upload(plan);
        List<Long> attentionEvents = new ArrayList<>();

        for (int l = 0; l < c.layers(); l++) {
            DeviceModel.Layer layer = m.layers[l];
            Weights.Layer h = transformer.weights().layers()[l]; // the host's copy, for steps run on the CPU

            // Attention block: normalise, project to queries, keys and values, rotate by position.
            norm(layer.attnNorm(), layer.attnNormBias(), h.attnNorm(), h.attnNormBias(), count);
            Activations in = s.activations.of(s.xb, dim);
            project(layer.wq(), layer.bq(), h.bq(), in, count, s.q);
            project(layer.wk(), layer.bk(), h.bk(), in, count, s.k);
            project(layer.wv(), layer.bv(), h.bv(), in, count, s.v);
            if (layer.qNorm() != null) {
                headNorm(s.q, layer.qNorm(), h.qNorm(), count * c.heads());
                headNorm(s.k, layer.kNorm(), h.kNorm(), count * c.kvHeads());
            }
            if (f.rope() != null) {
                rope(transformer.rope(l), s.angles[ropes.indexOf(transformer.rope(l))], count, startPos);
            }
            if (f.queryScale() != 1f) {
                k.scale(s.q, f.queryScale(), count * c.qDim());
            }
            long at = (long) startPos * c.kvDim() * Float.BYTES;
            long bytes = (long) count * c.kvDim() * Float.BYTES;
            cl.copy(s.k, 0, s.keys[l], at, bytes);
            cl.copy(s.v, 0, s.values[l], at, bytes);
            attentionEvents.add(k.attention(s.q, s.keys[l], s.values[l], plan, l, s.ranges, s.lists, s.headSlots,
                    s.weights, s.att, c.heads(), c.heads() / c.kvHeads(), c.headDim(), c.kvDim(), f.scoreScale(),
                    f.attnSoftcap()));
            record(host.recorder(), plan, l, startPos);
            project(layer.wo(), layer.bo(), h.bo(), s.activations.of(s.att, c.qDim()), count, s.proj);
            residual(layer.postAttnNorm(), h.postAttnNorm(), count);

            // Feed-forward block: gated (SwiGLU, GeGLU) or a plain two-layer GELU network.
            norm(layer.ffnNorm(), layer.ffnNormBias(), h.ffnNorm(), h.ffnNormBias(), count);
            in = s.activations.of(s.xb, dim);
            project(layer.up(), layer.upBias(), h.upBias(), in, count, s.hb2);
            if (layer.gate() == null) {
                activate(s.hb2, null, count * c.ffnDim());
                project(layer.down(), layer.downBias(), h.downBias(), s.activations.of(s.hb2, c.ffnDim()), count, s.proj);
            } else {
                matmul(layer.gate(), in, count, s.hb);
                activate(s.hb, s.hb2, count * c.ffnDim());
                project(layer.down(), layer.downBias(), h.downBias(), s.activations.of(s.hb, c.ffnDim()), count, s.proj);
            }
            residual(layer.postFfnNorm(), h.postFfnNorm(), count);
        }
        s.held = Math.max(s.held, startPos + count);

        // Final norm and the output head, for the last token or for all of them.
        int first = allLogits ? 0 : count - 1;
        int n = count - first;
        Weights w = transformer.weights();
        norm(m.outputNorm, m.outputNormBias, w.outputNorm(), w.outputNormBias(), count);
        if (first > 0) {
            cl.copy(s.xb, (long) first * dim * Float.BYTES, s.xb, 0, (long) dim * Float.BYTES);
        }
        matmul(m.output, s.activations.of(s.xb, dim), n, s.logits);
        if (f.finalSoftcap() > 0) {
            if (device(OpenClCompute.DeviceOp.SOFTCAP)) {
                k.softcap(s.logits, f.finalSoftcap(), n * c.vocabSize());
            } else {
                onCpu(s.logits, n * c.vocabSize(), x -> cpu.softcap(x, 0, x.length, f.finalSoftcap()));
            }
        }
        cl.read(s.logits, 0, host.logitsFor(n), 0, n * c.vocabSize()); // waits for the whole pass
        long nanos = 0;
        for (long event : attentionEvents) {
            nanos += cl.nanos(event);
        }
        host.countAttention(plan.pairs(), nanos);
    }

    /** Token embeddings, scaled (gemma) and given their position (gpt2), made on the host and uploaded. */
    private void embed(Weights w, int[] tokens, int from, int count, int startPos) {
        int dim = c.dim();
        float[] x = new float[count * dim];
        float[] position = w.positionEmbedding() == null ? null : new float[dim];
        for (int t = 0; t < count; t++) {
            w.tokenEmbedding().dequantizeRow(tokens[from + t], x, t * dim);
            if (f.embeddingScale() != 1f) {
                for (int i = t * dim; i < (t + 1) * dim; i++) {
                    x[i] *= f.embeddingScale();
                }
            }
            if (position != null) {
                w.positionEmbedding().dequantizeRow(startPos + t, position, 0);
                for (int i = 0; i < dim; i++) {
                    x[t * dim + i] += 1f * position[i];
                }
            }
        }
        cl.write(s.x, 0, x, 0, x.length);
    }

    /**
     * The rotation angles of each distinct rope (gemma3's local layers have their own) for the
     * new positions, computed by the engine's Rope so that they are the CPU's to the bit.
     */
    private List<Rope> angles(Transformer transformer, int count, int startPos) {
        List<Rope> ropes = new ArrayList<>();
        if (f.rope() == null) {
            return ropes;
        }
        for (int l = 0; l < c.layers(); l++) {
            Rope r = transformer.rope(l);
            if (!ropes.contains(r)) {
                int pairs = r.pairs();
                float[] table = new float[count * 2 * pairs];
                float[] cos = new float[pairs];
                float[] sin = new float[pairs];
                for (int t = 0; t < count; t++) {
                    r.angles(startPos + t, cos, sin);
                    System.arraycopy(cos, 0, table, t * 2 * pairs, pairs);
                    System.arraycopy(sin, 0, table, t * 2 * pairs + pairs, pairs);
                }
                int i = ropes.size();
                s.angles[i] = s.atLeast(s.angles[i], (long) table.length * Float.BYTES, "rope angles");
                cl.write(s.angles[i], 0, table, 0, table.length);
                ropes.add(r);
            }
        }
        return ropes;
    }

    private void upload(AttentionPlan plan) {
        s.ranges = s.atLeast(s.ranges, (long) plan.ranges().length * Integer.BYTES, "attention ranges");
        cl.write(s.ranges, 0, plan.ranges(), 0, plan.ranges().length);
        s.lists = s.atLeast(s.lists, (long) plan.lists().length * Integer.BYTES, "attention key lists");
        cl.write(s.lists, 0, plan.lists(), 0, plan.lists().length);
        s.headSlots = s.atLeast(s.headSlots, (long) plan.headSlots().length * Integer.BYTES, "attention masks");
        cl.write(s.headSlots, 0, plan.headSlots(), 0, plan.headSlots().length);
        s.weights = s.atLeast(s.weights, (long) plan.count() * c.heads() * plan.length() * Float.BYTES,
                "attention weights");
    }

    /** Reads back the attention weights of the heads the recorder watches, query by query. */
    private void record(AttentionRecorder recorder, AttentionPlan plan, int layer, int startPos) {
        if (recorder == null) {
            return;
        }
        int[] keys = null;
        float[] weights = null;
        for (int head = 0; head < c.heads(); head++) {
            if (!recorder.records(layer, head)) {
                continue;
            }
            if (keys == null) {
                keys = new int[plan.length()];
                weights = new float[plan.length()];
            }
            for (int t = 0; t < plan.count(); t++) {
                int n = plan.keys(layer, head, c.heads(), t, keys);
                long at = ((long) t * c.heads() + head) * plan.length() * Float.BYTES;
                cl.read(s.weights, at, weights, 0, n);
                recorder.record(layer, head, startPos + t, keys, weights, n);
            }
        }
    }

    // ---- steps that run on the device, or on the CPU where the device lacks their kernel --------

    private boolean device(OpenClCompute.DeviceOp op) {
        return !onHost.contains(op);
    }

    /** s.xb = the family's norm of the residual stream s.x. */
    private void norm(Buffer weight, Buffer bias, float[] hostWeight, float[] hostBias, int count) {
        int n = count * c.dim();
        if (f.norm() == Family.Norm.LAYER) {
            if (device(OpenClCompute.DeviceOp.LAYER_NORM)) {
                k.layerNorm(s.x, weight, bias, s.xb, count, c.dim(), c.normEps());
            } else {
                cl.write(s.xb, 0, map(s.x, n, (x, out) -> cpu.layerNorm(out, x, hostWeight, hostBias, count, c.dim(),
                        c.normEps())), 0, n);
            }
        } else if (device(OpenClCompute.DeviceOp.RMS_NORM)) {
            k.rmsNorm(s.x, weight, s.xb, count, c.dim(), c.normEps());
        } else {
            rmsNormOnCpu(s.x, s.xb, hostWeight, count, c.dim());
        }
    }

    /** RMSNorm of each head's vector of q or k, in place (qwen3, gemma3). */
    private void headNorm(Buffer v, Buffer weight, float[] hostWeight, int vectors) {
        if (device(OpenClCompute.DeviceOp.QK_NORM)) {
            k.rmsNorm(v, weight, v, vectors, c.headDim(), c.normEps());
        } else {
            rmsNormOnCpu(v, v, hostWeight, vectors, c.headDim());
        }
    }

    /** Rotates the new queries and keys by their positions. */
    private void rope(Rope r, Buffer angles, int count, int startPos) {
        boolean neox = f.rope() == Rope.Style.NEOX;
        if (device(neox ? OpenClCompute.DeviceOp.ROPE_NEOX : OpenClCompute.DeviceOp.ROPE_NORM)) {
            k.rope(s.q, angles, count, c.heads(), c.headDim(), r.pairs(), neox);
            k.rope(s.k, angles, count, c.kvHeads(), c.headDim(), r.pairs(), neox);
            return;
        }
        float[] cos = new float[r.pairs()];
        float[] sin = new float[r.pairs()];
        float[] q = read(s.q, count * c.qDim());
        float[] key = read(s.k, count * c.kvDim());
        for (int t = 0; t < count; t++) {
            r.angles(startPos + t, cos, sin);
            r.apply(q, t * c.qDim(), c.heads(), c.headDim(), cos, sin);
            r.apply(key, t * c.kvDim(), c.kvHeads(), c.headDim(), cos, sin);
        }
        cl.write(s.q, 0, q, 0, q.length);
        cl.write(s.k, 0, key, 0, key.length);
    }

    /** gate = act(gate) * up (SwiGLU, GeGLU), or gate = gelu(gate) where up is null. */
    private void activate(Buffer gate, Buffer up, int n) {
        if (up == null) {
            if (device(OpenClCompute.DeviceOp.GELU)) {
                k.gelu(gate, m.geluTable, n);
            } else {
                onCpu(gate, n, x -> cpu.gelu(x, n));
            }
        } else if (f.activation() == Family.Activation.GELU) {
            if (device(OpenClCompute.DeviceOp.GEGLU)) {
                k.geglu(gate, up, m.geluTable, n);
            } else {
                float[] u = read(up, n);
                onCpu(gate, n, x -> cpu.geglu(x, u, n));
            }
        } else if (device(OpenClCompute.DeviceOp.SWIGLU)) {
            k.swiglu(gate, up, n);
        } else {
            float[] u = read(up, n);
            onCpu(gate, n, x -> cpu.swiglu(x, u, n));
        }
    }

    /** x += the block output in s.proj, normalised first where the family norms block outputs. */
    private void residual(Buffer postNorm, float[] hostPostNorm, int count) {
        if (postNorm != null) {
            if (device(OpenClCompute.DeviceOp.POST_NORM)) {
                k.rmsNorm(s.proj, postNorm, s.proj, count, c.dim(), c.normEps());
            } else {
                rmsNormOnCpu(s.proj, s.proj, hostPostNorm, count, c.dim());
            }
        }
        k.add(s.x, s.proj, count * c.dim());
    }

    private void project(DeviceMatrix w, Buffer bias, float[] hostBias, Activations in, int count, Buffer out) {
        matmul(w, in, count, out);
        if (bias != null) {
            if (device(OpenClCompute.DeviceOp.BIAS)) {
                k.addBias(out, bias, w.rows(), count * w.rows());
            } else {
                onCpu(out, count * w.rows(), x -> cpu.addBias(x, hostBias, count, w.rows()));
            }
        }
    }

    /** out = w . in, on the device, or on the CPU (with the CPU's rounding) for a type without a kernel. */
    private void matmul(DeviceMatrix w, Activations in, int count, Buffer out) {
        if (w.onDevice()) {
            k.matmul(w, in, count, out);
        } else {
            cl.write(out, 0, map(in.source(), count * w.cols(), count * w.rows(),
                    (x, o) -> cpu.matmul(w.host(), x, count, o)), 0, count * w.rows());
        }
    }

    /** to = RMSNorm of each of vectors of dim values of from, times weight, computed on the CPU. */
    private void rmsNormOnCpu(Buffer from, Buffer to, float[] weight, int vectors, int dim) {
        int n = vectors * dim;
        cl.write(to, 0, map(from, n, (x, out) -> cpu.rmsNorm(out, x, weight, vectors, dim, c.normEps())), 0, n);
    }

    // ---- moving a step's data to the CPU and back ---------------------------------------------

    private float[] read(Buffer b, int n) {
        float[] v = new float[n];
        cl.read(b, 0, v, 0, n);
        return v;
    }

    /** Runs a CPU step on the n floats of b, in place. */
    private void onCpu(Buffer b, int n, java.util.function.Consumer<float[]> step) {
        float[] v = read(b, n);
        step.accept(v);
        cl.write(b, 0, v, 0, n);
    }

    /** Reads n floats of b and returns what a CPU step makes of them (as many floats). */
    private float[] map(Buffer b, int n, java.util.function.BiConsumer<float[], float[]> step) {
        return map(b, n, n, step);
    }

    private float[] map(Buffer b, int n, int outN, java.util.function.BiConsumer<float[], float[]> step) {
        float[] in = read(b, n);
        float[] out = new float[outN];
        step.accept(in, out);
        return out;
    }
}
