package org.llmexplorer.engine.model;

/**
 * Rotary position embedding. Pair i of a head (i &lt; ropeDims/2) is rotated by the angle
 * scale * pos * base^(-2i/ropeDims) / factor[i], where scale is linear rope scaling (1 / the
 * factor a long-context model was stretched by) and factor[i] Llama 3.1's per-pair divisors. The angles are stepped by repeated multiplication in
 * float, as ggml does, so that positions far into the context round the same way llama.cpp's do.
 */
public final class Rope {

    /** Which two values of a head form a rotated pair. */
    public enum Style {
        /** Adjacent values (2i, 2i+1): llama.cpp's "normal" rope, used for llama. */
        NORM,
        /** Values i and i + ropeDims/2: GPT-NeoX style, used by qwen2, phi3 and others. */
        NEOX
    }

    private final int ropeDims;
    private final Style style;
    private final float thetaScale;
    private final float[] freqFactors;
    private final float scale;

    /**
     * @param freqFactors per-pair divisors of the angle (Llama 3.1 scaling), or null
     * @param scale       linear scaling of positions, 1 for none
     */
    public Rope(int ropeDims, float base, float[] freqFactors, Style style, float scale) {
        if (freqFactors != null && freqFactors.length < ropeDims / 2) {
            throw new IllegalArgumentException("rope frequency factors: " + freqFactors.length + " values for "
                    + ropeDims / 2 + " pairs");
        }
        this.ropeDims = ropeDims;
        this.style = style;
        this.thetaScale = (float) Math.pow(base, -2.0 / ropeDims);
        this.freqFactors = freqFactors;
        this.scale = scale;
    }

    /** Fills cos[i], sin[i] for the ropeDims/2 pairs at this position. */
    public void angles(int pos, float[] cos, float[] sin) {
        float theta = pos;
        for (int i = 0; i < ropeDims / 2; i++) {
            float t = freqFactors == null ? theta : theta / freqFactors[i];
            if (scale != 1f) {
                t *= scale;
            }
            cos[i] = (float) Math.cos(t);
            sin[i] = (float) Math.sin(t);
            theta *= thetaScale;
        }
    }

    /** Rotates the first ropeDims values of each of nHeads heads of size headDim in v[off ..]. */
    public void apply(float[] v, int off, int nHeads, int headDim, float[] cos, float[] sin) {
        int half = ropeDims / 2;
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * headDim;
            for (int i = 0; i < half; i++) {
                int a = style == Style.NORM ? base + 2 * i : base + i;
                int b = style == Style.NORM ? a + 1 : a + half;
                float x0 = v[a];
                float x1 = v[b];
                v[a] = x0 * cos[i] - x1 * sin[i];
                v[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    public int pairs() {
        return ropeDims / 2;
    }

    public Style style() {
        return style;
    }

    /**
     * The angles of positions startPos .. startPos + count - 1 in one table, for a device: per
     * position the cosines of every pair, then their sines ({@link #angles}, to the bit).
     */
    public float[] table(int startPos, int count) {
        int pairs = pairs();
        float[] table = new float[count * 2 * pairs];
        float[] cos = new float[pairs];
        float[] sin = new float[pairs];
        for (int t = 0; t < count; t++) {
            angles(startPos + t, cos, sin);
            System.arraycopy(cos, 0, table, t * 2 * pairs, pairs);
            System.arraycopy(sin, 0, table, t * 2 * pairs + pairs, pairs);
        }
        return table;
    }
}
