package org.llmexplorer.engine.train;

import java.util.Arrays;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Parallel;

/**
 * Scaled dot-product attention over batches of sequences under the engine's masks: query t of a
 * sequence attends to the keys its head's mask lists for position t, and only to those.
 * Grouped-query: query head h reads key/value head h / (heads / kvHeads).
 *
 * <pre>
 * forward:  s_j = scale q . k_j,   p = softmax(s),   o = sum_j p_j v_j
 * backward: dp_j = do . v_j,   dv_j += p_j do,   ds_j = p_j (dp_j - sum_i p_i dp_i),
 *           dq = scale sum_j ds_j k_j,   dk_j += scale ds_j q
 * </pre>
 *
 * One task per (sequence, key/value head) owns the keys, values and queries it writes, so
 * nothing is shared between threads and every sum runs in the same order each time.
 */
public final class MaskedAttention {
    private final int seqLen;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scale;

    public MaskedAttention(int seqLen, int heads, int kvHeads, int headDim) {
        this.seqLen = seqLen;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * @param probs room for batch x heads x seqLen x seqLen weights, kept for the backward pass
     *              (zero where the mask forbids)
     */
    public void forward(Parallel p, MaskPlan masks, int layer, int batch, float[] q, float[] k, float[] v,
                        float[] out, float[] probs) {
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        p.forEach(batch * kvHeads, (task, worker) -> {
            int b = task / kvHeads;
            int kvHead = task % kvHeads;
            int[] keys = new int[seqLen];
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                AttentionMask mask = masks.mask(layer, h);
                for (int t = 0; t < seqLen; t++) {
                    int row = ((b * heads + h) * seqLen + t) * seqLen;
                    Arrays.fill(probs, row, row + seqLen, 0f);
                    int qOff = (b * seqLen + t) * qDim + h * headDim;
                    int n = mask.keys(t, seqLen, keys);
                    float max = Float.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        int kOff = (b * seqLen + keys[i]) * kvDim + kvHead * headDim;
                        float s = dot(q, qOff, k, kOff, headDim) * scale;
                        probs[row + keys[i]] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        float e = (float) Math.exp(probs[row + keys[i]] - max);
                        probs[row + keys[i]] = e;
                        sum += e;
                    }
                    float inv = (float) (1.0 / sum);
                    Arrays.fill(out, qOff, qOff + headDim, 0f);
                    for (int i = 0; i < n; i++) {
                        float w = probs[row + keys[i]] * inv;
                        probs[row + keys[i]] = w;
                        int vOff = (b * seqLen + keys[i]) * kvDim + kvHead * headDim;
                        for (int d = 0; d < headDim; d++) {
                            out[qOff + d] += w * v[vOff + d];
                        }
                    }
                }
            }
        });
    }

    /** dq, dk and dv are overwritten. */
    public void backward(Parallel p, MaskPlan masks, int layer, int batch, float[] q, float[] k, float[] v,
                         float[] probs, float[] dout, float[] dq, float[] dk, float[] dv) {
        int qDim = heads * headDim;
        int kvDim = kvHeads * headDim;
        int group = heads / kvHeads;
        p.forEach(batch * kvHeads, (task, worker) -> {
            int b = task / kvHeads;
            int kvHead = task % kvHeads;
            int[] keys = new int[seqLen];
            float[] ds = new float[seqLen];
            for (int t = 0; t < seqLen; t++) {
                int kvOff = (b * seqLen + t) * kvDim + kvHead * headDim;
                Arrays.fill(dk, kvOff, kvOff + headDim, 0f);
                Arrays.fill(dv, kvOff, kvOff + headDim, 0f);
            }
            for (int h = kvHead * group; h < (kvHead + 1) * group; h++) {
                AttentionMask mask = masks.mask(layer, h);
                for (int t = 0; t < seqLen; t++) {
                    int row = ((b * heads + h) * seqLen + t) * seqLen;
                    int qOff = (b * seqLen + t) * qDim + h * headDim;
                    int n = mask.keys(t, seqLen, keys);
                    double weighted = 0;
                    for (int i = 0; i < n; i++) {
                        int vOff = (b * seqLen + keys[i]) * kvDim + kvHead * headDim;
                        float pj = probs[row + keys[i]];
                        ds[i] = dot(dout, qOff, v, vOff, headDim);
                        weighted += pj * ds[i];
                        for (int d = 0; d < headDim; d++) {
                            dv[vOff + d] += pj * dout[qOff + d];
                        }
                    }
                    Arrays.fill(dq, qOff, qOff + headDim, 0f);
                    for (int i = 0; i < n; i++) {
                        int kOff = (b * seqLen + keys[i]) * kvDim + kvHead * headDim;
                        float g = probs[row + keys[i]] * (ds[i] - (float) weighted) * scale;
                        for (int d = 0; d < headDim; d++) {
                            dq[qOff + d] += g * k[kOff + d];
                            dk[kOff + d] += g * q[qOff + d];
                        }
                    }
                }
            }
        });
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }
}
