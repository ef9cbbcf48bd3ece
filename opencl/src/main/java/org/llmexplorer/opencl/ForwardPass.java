package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.attention.AttentionRecorder;
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
 */
final class ForwardPass {
    private final ClContext cl;
    private final Kernels k;
    private final DeviceModel m;
    private final DeviceState s;
    private final ModelConfig c;
    private final Family f;

    ForwardPass(ClContext cl, Kernels kernels, DeviceModel model, DeviceState state) {
        this.cl = cl;
        this.k = kernels;
        this.m = model;
        this.s = state;
        this.c = state.c;
        this.f = c.family();
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

            // Attention block: normalise, project to queries, keys and values, rotate by position.
            norm(layer.attnNorm(), layer.attnNormBias(), count);
            Activations in = s.activations.of(s.xb, dim);
            project(layer.wq(), layer.bq(), in, count, s.q);
            project(layer.wk(), layer.bk(), in, count, s.k);
            project(layer.wv(), layer.bv(), in, count, s.v);
            if (layer.qNorm() != null) {
                k.rmsNorm(s.q, layer.qNorm(), s.q, count * c.heads(), c.headDim(), c.normEps());
                k.rmsNorm(s.k, layer.kNorm(), s.k, count * c.kvHeads(), c.headDim(), c.normEps());
            }
            if (f.rope() != null) {
                Buffer cs = s.angles[ropes.indexOf(transformer.rope(l))];
                boolean neox = f.rope() == Rope.Style.NEOX;
                int pairs = transformer.rope(l).pairs();
                k.rope(s.q, cs, count, c.heads(), c.headDim(), pairs, neox);
                k.rope(s.k, cs, count, c.kvHeads(), c.headDim(), pairs, neox);
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
            project(layer.wo(), layer.bo(), s.activations.of(s.att, c.qDim()), count, s.proj);
            residual(layer.postAttnNorm(), count);

            // Feed-forward block: gated (SwiGLU, GeGLU) or a plain two-layer GELU network.
            norm(layer.ffnNorm(), layer.ffnNormBias(), count);
            int hidden = count * c.ffnDim();
            in = s.activations.of(s.xb, dim);
            project(layer.up(), layer.upBias(), in, count, s.hb2);
            if (layer.gate() == null) {
                k.gelu(s.hb2, m.geluTable, hidden);
                project(layer.down(), layer.downBias(), s.activations.of(s.hb2, c.ffnDim()), count, s.proj);
            } else {
                k.matmul(layer.gate(), in, count, s.hb);
                if (f.activation() == Family.Activation.GELU) {
                    k.geglu(s.hb, s.hb2, m.geluTable, hidden);
                } else {
                    k.swiglu(s.hb, s.hb2, hidden);
                }
                project(layer.down(), layer.downBias(), s.activations.of(s.hb, c.ffnDim()), count, s.proj);
            }
            residual(layer.postFfnNorm(), count);
        }
        s.held = Math.max(s.held, startPos + count);

        // Final norm and the output head, for the last token or for all of them.
        int first = allLogits ? 0 : count - 1;
        int n = count - first;
        norm(m.outputNorm, m.outputNormBias, count);
        if (first > 0) {
            cl.copy(s.xb, (long) first * dim * Float.BYTES, s.xb, 0, (long) dim * Float.BYTES);
        }
        k.matmul(m.output, s.activations.of(s.xb, dim), n, s.logits);
        if (f.finalSoftcap() > 0) {
            k.softcap(s.logits, f.finalSoftcap(), n * c.vocabSize());
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

    /** s.xb = the family's norm of the residual stream s.x. */
    private void norm(Buffer weight, Buffer bias, int count) {
        if (f.norm() == Family.Norm.LAYER) {
            k.layerNorm(s.x, weight, bias, s.xb, count, c.dim(), c.normEps());
        } else {
            k.rmsNorm(s.x, weight, s.xb, count, c.dim(), c.normEps());
        }
    }

    /** x += the block output in s.proj, normalised first where the family norms block outputs. */
    private void residual(Buffer postNorm, int count) {
        if (postNorm != null) {
            k.rmsNorm(s.proj, postNorm, s.proj, count, c.dim(), c.normEps());
        }
        k.add(s.x, s.proj, count * c.dim());
    }

    private void project(DeviceMatrix w, Buffer bias, Activations in, int count, Buffer out) {
        k.matmul(w, in, count, out);
        if (bias != null) {
            k.addBias(out, bias, w.rows(), count * w.rows());
        }
    }
}
