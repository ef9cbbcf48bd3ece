package org.llmexplorer.engine.compute;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp over float arrays with vectors, for softmaxes over a whole vocabulary and attention rows. Built only from
 * element-wise IEEE operations (no lanewise EXP, whose result differs between the interpreter
 * and the JIT), so it gives the same bits everywhere. Range reduction x = n ln 2 + r with
 * |r| &lt;= ln2/2, and Cephes' degree-6 polynomial for e^r: relative error below 2e-7.
 */
public final class FastExp {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding and subtracting rounds to nearest
    private static final float LOW = -87.3f;      // below this e^x is under the smallest normal float

    private FastExp() {
    }

    /** out[i] = e^(x[i] - shift) for i &lt; n; returns the sum of the outputs, added in a fixed order. */
    public static double expShifted(float[] x, float shift, int n, float[] out) {
        int L = F.length();
        FloatVector sum = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = exp(FloatVector.fromArray(F, x, i).sub(shift));
            e.intoArray(out, i);
            sum = sum.add(e);
        }
        double total = 0;
        for (int k = 0; k < L; k++) {
            total += sum.lane(k);
        }
        for (; i < n; i++) {
            out[i] = scalar(x[i] - shift);
            total += out[i];
        }
        return total;
    }

    public static FloatVector exp(FloatVector x) {
        var tooLow = x.compare(VectorOperators.LT, LOW);
        x = x.max(LOW).min(88.7f);
        FloatVector n = x.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = FloatVector.broadcast(F, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(F, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return e.mul(bits.reinterpretAsFloats()).blend(0f, tooLow);
    }

    public static float scalar(float x) {
        if (x < LOW) {
            return 0f;
        }
        x = Math.min(x, 88.7f);
        float n = (x * LOG2E + ROUND) - ROUND;
        float r = x - n * LN2_HI - n * LN2_LO;
        float p = 1.9875691500e-4f;
        p = Math.fma(p, r, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        float e = p * (r * r) + r + 1f;
        return e * Float.intBitsToFloat(((int) n + 127) << 23);
    }
}
