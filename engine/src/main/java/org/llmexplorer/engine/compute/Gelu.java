package org.llmexplorer.engine.compute;

/**
 * GELU in its tanh approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), evaluated as
 * llama.cpp's CPU backend evaluates it: x rounded to fp16 and looked up in a table of fp16
 * results for -10 &lt; x &lt; 10; 0 below and x above. Matching the table rather than the
 * formula keeps gpt2 and gemma within the last bits of llama.cpp.
 */
public final class Gelu {
    private static final float[] TABLE = new float[1 << 16];

    static {
        for (int i = 0; i < TABLE.length; i++) {
            float v = Float.float16ToFloat((short) i);
            TABLE[i] = Float.float16ToFloat(Float.floatToFloat16(exact(v)));
        }
    }

    private Gelu() {
    }

    /** The formula in float, as ggml writes it. */
    public static float exact(float x) {
        final float sqrt2OverPi = 0.79788456080286535587989211986876f;
        final float coefA = 0.044715f;
        return 0.5f * x * (1f + (float) Math.tanh(sqrt2OverPi * x * (1f + coefA * x * x)));
    }

    public static float of(float x) {
        if (x <= -10f) {
            return 0f;
        }
        if (x >= 10f) {
            return x;
        }
        return TABLE[Float.floatToFloat16(x) & 0xFFFF];
    }
}
