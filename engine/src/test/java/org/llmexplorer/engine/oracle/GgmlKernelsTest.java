package org.llmexplorer.engine.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.RandomWeights;
import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * Our activation rounding and dot products beside llama.cpp's own CPU kernels (the build ggml
 * loads on this machine, see {@link GgmlKernels}), one operation at a time: the whole-model
 * differential tests see only where these differences end up after many layers.
 */
class GgmlKernelsTest {
    static GgmlKernels ggml;

    @BeforeAll
    static void load() throws IOException {
        String missing = GgmlKernels.missing();
        if (missing != null && "1".equals(System.getenv("LLMX_REQUIRE_LLAMA"))) {
            throw new IllegalStateException("LLMX_REQUIRE_LLAMA=1 but " + missing);
        }
        assumeTrue(missing == null, () -> "llama.cpp's kernels not here: " + missing);
        ggml = GgmlKernels.best();
    }

    @AfterAll
    static void unload() {
        if (ggml != null) {
            ggml.close();
        }
    }

    /**
     * Rows of activations of several kinds; every fourth has blocks of 32 whose values sit on or
     * within a few ulps of a rounding tie (x * 127 / max|x| = k + 1/2), where a rounding rule shows.
     */
    static float[] activations(int rows, int len, long seed) {
        Random r = new Random(seed);
        float[] x = new float[rows * len];
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < len; i++) {
                x[row * len + i] = switch (row % 4) {
                    case 0 -> (float) r.nextGaussian();
                    case 1 -> (float) Math.max(-3e4, Math.min(3e4, r.nextGaussian() * Math.exp(r.nextGaussian() * 3))); // heavy tails, in half range
                    case 2 -> (float) r.nextGaussian() * 1e-3f;
                    default -> {
                        float amax = 3.7f;
                        if (i % 32 == 0) {
                            yield amax;
                        }
                        float v = (r.nextInt(254) - 127 + 0.5f) * amax / 127f;
                        for (int s = r.nextInt(3); s > 0; s--) {
                            v = Math.nextUp(v);
                        }
                        yield v;
                    }
                };
            }
        }
        return x;
    }

    /** The values a quantized activation row stands for: scale times code, per block. */
    static float[] decode(String type, byte[] q, int n) {
        ByteBuffer b = ByteBuffer.wrap(q).order(ByteOrder.LITTLE_ENDIAN);
        int block = type.equals("q8_K") ? 256 : 32;
        int bytes = (int) GgmlKernels.bytes(type, block);
        int codes = type.equals("q8_K") ? 4 : type.equals("q8_1") ? 4 : 2;
        float[] out = new float[n];
        for (int k = 0; k < n / block; k++) {
            float d = type.equals("q8_K") ? b.getFloat(k * bytes) : Float.float16ToFloat(b.getShort(k * bytes));
            for (int j = 0; j < block; j++) {
                out[k * block + j] = d * b.get(k * bytes + codes + j);
            }
        }
        return out;
    }

    static int differing(ActivationRounding ours, String type, GgmlKernels kernels, float[] x) {
        float[] mine = new float[x.length];
        ours.apply(x, 0, x.length, mine, 0);
        float[] theirs = decode(type, kernels.quantize(type, x), x.length);
        int differ = 0;
        for (int i = 0; i < x.length; i++) {
            if (mine[i] != theirs[i]) {
                differ++;
            }
        }
        return differ;
    }

    @Test
    void activationsAreRoundedAsLlamaCppRoundsThemBitForBit() throws IOException {
        float[] x = activations(64, 2048, 7);
        assertEquals(0, differing(ActivationRounding.Q8_0, "q8_0", ggml, x), "Q8_0 (" + ggml.variant + ")");
        assertEquals(0, differing(ActivationRounding.Q8_0, "q8_1", ggml, x), "Q8_1 codes (" + ggml.variant + ")");
        assertEquals(0, differing(ActivationRounding.Q8_K, "q8_K", ggml, x), "Q8_K (" + ggml.variant + ")");
        // The inputs do reach ties: ggml's generic build rounds them half away from zero, not to even.
        try (GgmlKernels generic = GgmlKernels.open("libggml-cpu-x64.so")) {
            assertTrue(differing(ActivationRounding.Q8_0, "q8_0", generic, x) > 1000, "ties reached");
        }
    }

    @Test
    void softmaxIsLlamaCpps() throws Exception {
        Random r = new Random(3);
        for (String backend : List.of("scalar", "simd")) {
            try (Compute ops = Backends.create(backend, 2)) {
                double worst = 0;
                for (int n : new int[] {1, 7, 16, 33, 512, 4099}) {
                    for (double spread : new double[] {0.1, 3, 30}) {
                        float[] x = new float[n];
                        for (int i = 0; i < n; i++) {
                            x[i] = (float) (r.nextGaussian() * spread);
                        }
                        float[] theirs = ggml.softmax(x);
                        ops.softmax(x, 0, n);
                        for (int i = 0; i < n; i++) {
                            worst = Math.max(worst, Math.abs(x[i] - theirs[i]) / Math.max(theirs[i], 1e-30));
                        }
                    }
                }
                System.out.printf(java.util.Locale.ROOT, "softmax %s: largest relative difference %.2g%n", backend, worst);
                assertTrue(worst < 2e-6, backend + ": " + worst); // measured 3.5e-7
            }
        }
    }

    /** The kernel llama.cpp multiplies a weight row of this type with, and its activations' format. */
    static String[] kernel(GgmlType t) {
        return switch (t) {
            case F32 -> new String[] {"f32", null};
            case F16 -> new String[] {"f16", null};
            case BF16 -> new String[] {"bf16", null};
            case Q4_0, Q5_0, Q8_0 -> new String[] {t.name().toLowerCase() + "_q8_0", "q8_0"};
            case IQ4_NL -> new String[] {"iq4_nl_q8_0", "q8_0"};
            case Q4_1, Q5_1 -> new String[] {t.name().toLowerCase() + "_q8_1", "q8_1"};
            default -> new String[] {t.name().charAt(0) == 'Q' ? "q" + t.name().substring(1, 2) + "_K_q8_K" : null, "q8_K"};
        };
    }

    /** Activations as the float kernels take them: raw floats, or rounded to half / bfloat16 and stored so. */
    static byte[] floatActivations(GgmlType t, float[] x) {
        ByteBuffer b = ByteBuffer.allocate(x.length * (t == GgmlType.F32 ? 4 : 2)).order(ByteOrder.LITTLE_ENDIAN);
        float[] r = new float[x.length];
        ActivationRounding.forWeights(t).apply(x, 0, x.length, r, 0);
        for (float v : r) {
            switch (t) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                default -> b.putShort((short) (Float.floatToRawIntBits(v) >>> 16)); // exact: already bfloat16
            }
        }
        return b.array();
    }

    /**
     * Every weight type's dot product, on both CPU backends, against ggml_vec_dot_* on the same row
     * and the same activations: the same up to float summation order, 1e-6 of the sum of the
     * products' magnitudes (measured: at most 2.4e-7, Q4_1; the same products with float
     * activations, i.e. without llama.cpp's rounding of them, are 7e-5 (F16) to 1.4e-2 (Q4_K) off).
     */
    @TestFactory
    Stream<DynamicTest> everyWeightTypesDotProductIsLlamaCpps() {
        int rows = 24;
        int cols = 2048;
        return LlamaCppDifferentialTest.TYPES.stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> {
            WeightMatrix w = RandomWeights.matrix(t, rows, cols, new Random(t.ordinal()));
            float[] weights = new float[rows * cols];
            TensorFormats.of(t).dequantize(w.data(), 0, weights, 0, weights.length);
            float[] x = activations(4, cols, 11 + t.ordinal());
            String[] k = kernel(t);
            double worst = 0;
            double unrounded = 0; // the same products with float activations: what the bound must tell apart
            for (String backend : List.of("scalar", "simd")) {
                try (Compute ops = Backends.create(backend, 2)) {
                    for (int v = 0; v < 4; v++) {
                        float[] xv = java.util.Arrays.copyOfRange(x, v * cols, (v + 1) * cols);
                        float[] ours = new float[rows];
                        ops.matmul(w, xv, 1, ours);
                        byte[] act = k[1] == null ? floatActivations(t, xv) : ggml.quantize(k[1], xv);
                        for (int r = 0; r < rows; r++) {
                            float theirs = ggml.dot(k[0], cols, w.data().asSlice(r * w.rowBytes(), w.rowBytes()), act);
                            double scale = 0;
                            double plain = 0;
                            for (int i = 0; i < cols; i++) {
                                scale += Math.abs(weights[r * cols + i] * xv[i]);
                                plain += (double) weights[r * cols + i] * xv[i];
                            }
                            worst = Math.max(worst, Math.abs(ours[r] - theirs) / scale);
                            unrounded = Math.max(unrounded, Math.abs(plain - theirs) / scale);
                            assertTrue(Math.abs(ours[r] - theirs) <= 1e-6 * scale, String.format(java.util.Locale.ROOT,
                                    "%s %s row %d activations %d: ours %.7g, llama.cpp's (%s) %.7g, sum of |products| %.4g",
                                    t, backend, r, v, ours[r], ggml.variant, theirs, scale));
                        }
                    }
                }
            }
            System.out.printf(java.util.Locale.ROOT, "%s: largest difference from llama.cpp's %.2g of the sum of "
                    + "|products| (with float activations %.2g)%n", t, worst, unrounded);
            if (t != GgmlType.F32) {
                assertTrue(unrounded > 1e-6, "the bound tells a product without llama.cpp's activation rounding apart");
            }
        }));
    }
}
