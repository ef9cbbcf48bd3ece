package org.llmexplorer.engine.compute.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.compute.RandomWeights;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.WeightMatrix;

/**
 * Q4_0, Q8_0 and the K-quants Q2_K to Q6_K through the repacked row groups, against llama.cpp's dot products
 * with 8-bit activations written out from the file's bytes (Q4_0 and Q8_0 here; the K-quants'
 * with Q8_K below): per block d_w d_x sum(w q), w the weight's code
 * (minus 8 for Q4_0), the integer sum exact, the activations' codes and scales from its
 * quantize_row_q8_0 (scale max|x| / 127 rounded to fp16, codes rounded to nearest even). The only
 * freedom left is the float order of the per-block terms.
 */
class RowGroupsTest {

    /**
     * One to three tokens (generation), and Q4_0 and Q8_0 prompts, sum each block exactly: within
     * 1e-6 of the terms' magnitudes. Q4_K's prompts sum (q - 8) x exactly per sub-block and add
     * 8 d sc sum(x) back in floats with the minimums, a term the reference's magnitudes do not
     * count; Q2_K's, Q3_K's, Q5_K's and Q6_K's multiply the values in floats: 1e-5 for these, as
     * ComputeParityTest allows float sums in another order.
     */
    @ParameterizedTest(name = "{0} {1} rows x {2}, {3} tokens, {4} threads")
    @CsvSource({"Q4_0, 75, 512, 1, 1", "Q4_0, 75, 512, 3, 2", "Q4_0, 512, 2048, 1, 2", "Q4_0, 8, 64, 2, 1",
            "Q4_0, 33, 256, 1, 2", "Q8_0, 75, 512, 1, 1", "Q8_0, 75, 512, 3, 2", "Q8_0, 512, 2048, 1, 2",
            "Q8_0, 8, 64, 2, 1", "Q4_0, 75, 512, 4, 1", "Q4_0, 75, 512, 7, 2", "Q4_0, 256, 1024, 67, 2",
            "Q8_0, 75, 512, 4, 1", "Q8_0, 75, 512, 7, 2", "Q8_0, 256, 1024, 67, 2", "Q4_K, 75, 512, 1, 1",
            "Q4_K, 75, 512, 3, 2", "Q4_K, 512, 2048, 1, 2", "Q4_K, 8, 256, 2, 1", "Q4_K, 75, 512, 7, 2",
            "Q4_K, 256, 1024, 67, 2", "Q6_K, 75, 512, 1, 1", "Q6_K, 75, 512, 3, 2", "Q6_K, 512, 2048, 1, 2",
            "Q6_K, 8, 256, 2, 1", "Q6_K, 75, 512, 7, 2", "Q6_K, 256, 1024, 67, 2", "Q5_K, 75, 512, 1, 1",
            "Q5_K, 75, 512, 3, 2", "Q5_K, 512, 2048, 1, 2", "Q5_K, 8, 256, 2, 1", "Q5_K, 75, 512, 7, 2",
            "Q5_K, 256, 1024, 67, 2", "Q2_K, 75, 512, 1, 1", "Q2_K, 75, 512, 3, 2", "Q2_K, 512, 2048, 1, 2",
            "Q2_K, 8, 256, 2, 1", "Q2_K, 75, 512, 7, 2", "Q2_K, 256, 1024, 67, 2", "Q3_K, 75, 512, 1, 1",
            "Q3_K, 75, 512, 3, 2", "Q3_K, 512, 2048, 1, 2", "Q3_K, 8, 256, 2, 1", "Q3_K, 75, 512, 7, 2",
            "Q3_K, 256, 1024, 67, 2", "Q8_0, 75, 512, 13, 2", "Q6_K, 75, 512, 13, 1", "Q2_K, 40, 512, 13, 2",
            "Q8_0, 2100, 1024, 2, 2", "Q4_0, 4100, 1024, 5, 2", "Q4_K, 4100, 1024, 1, 1"})
    void productsAreLlamaCppsIntegerDotProduct(GgmlType type, int rows, int cols, int batch, int threads) {
        Random random = new Random(rows * 7919L + cols);
        WeightMatrix w = RandomWeights.matrix(type, rows, cols, random);
        float[] x = RandomWeights.vector(batch * cols, random);
        float[] out = new float[batch * rows];
        try (SimdCompute simd = new SimdCompute(threads)) {
            simd.matmul(w, x, batch, out);
        }
        for (int t = 0; t < batch; t++) {
            for (int r = 0; r < rows; r++) {
                double[] expected = integerDot(w, r, x, t * cols);
                boolean floatTile = type.blockSize == 256 && batch >= 4;
                double bound = (floatTile ? 1e-5 : 1e-6) * expected[1] + 1e-30;
                assertEquals(expected[0], out[t * rows + r], bound, "token " + t + " row " + r);
            }
        }
    }

    /**
     * The widest Q4_0 block sums there are: every code 0 (weight -8) or 15 (weight 7) against
     * codes of +-127. -8 * -127 * 32 = 32512 is the largest magnitude, near the 16-bit limit;
     * codes 15 make the sum before the offset is taken off 60960, which wraps and must come back
     * exact.
     */
    @ParameterizedTest(name = "code byte {0}")
    @ValueSource(ints = {0x00, 0xFF, 0x0F, 0xF0})
    void extremeQ4_0BlocksStayExact(int codeByte) {
        int lo = (codeByte & 0xF) - 8;
        int hi = (codeByte >> 4) - 8;
        assertUniformBlocks(GgmlType.Q4_0, codeByte, 16 * lo + 16 * hi);
    }

    /** {llama.cpp's value, the sum of the magnitudes of its per-block terms}. */
    private static double[] integerDot(WeightMatrix w, int row, float[] x, int xOff) {
        if (w.type() == GgmlType.Q4_K || w.type() == GgmlType.Q5_K) {
            return integerDotQ4_KOrQ5_K(w, row, x, xOff);
        }
        if (w.type() == GgmlType.Q6_K) {
            return integerDotQ6_K(w, row, x, xOff);
        }
        if (w.type() == GgmlType.Q2_K || w.type() == GgmlType.Q3_K) {
            return integerDotQ2_KOrQ3_K(w, row, x, xOff);
        }
        MemorySegment data = w.data();
        boolean q4 = w.type() == GgmlType.Q4_0;
        long blockBytes = q4 ? 18 : 34;
        double sum = 0;
        double magnitude = 0;
        for (int b = 0; b < w.cols() / 32; b++) {
            long at = row * w.rowBytes() + b * blockBytes;
            float amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[xOff + b * 32 + j]));
            }
            float dx = Float.float16ToFloat(Float.floatToFloat16(amax / 127f));
            float id = amax == 0 ? 0 : 127f / amax;
            long blockSum = 0;
            for (int j = 0; j < 32; j++) {
                int code;
                if (q4) {
                    int bits = data.get(ValueLayout.JAVA_BYTE, at + 2 + j % 16) & 0xFF;
                    code = (j < 16 ? bits & 0xF : bits >> 4) - 8;
                } else {
                    code = data.get(ValueLayout.JAVA_BYTE, at + 2 + j);
                }
                blockSum += (long) code * (long) Math.rint(x[xOff + b * 32 + j] * id);
            }
            double term = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at)) * (double) dx * blockSum;
            sum += term;
            magnitude += Math.abs(term);
        }
        return new double[] {sum, magnitude};
    }
    /** Q8_0's widest pairs: codes of -127 or 127 everywhere against codes of +-127 (32 * 127 * 127 a block). */
    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {127, -127})
    void extremeQ8_0BlocksStayExact(int code) {
        assertUniformBlocks(GgmlType.Q8_0, code, 32 * code);
    }

    /**
     * A 40 x 256 matrix whose blocks all have the scale 1 and every code byte {@code codeByte},
     * times activations of +-0.5 (codes +-127, scale fp16(0.5 / 127)): each row is
     * blocks * d * blockSum * 127 * sign, blockSum being one block's weights added up.
     */
    private static void assertUniformBlocks(GgmlType type, int codeByte, int blockSum) {
        int rows = 40;
        int cols = 256;
        int blockBytes = type.blockBytes; // an fp16 scale, then the code bytes
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * cols / 32 * blockBytes);
        for (long b = 0; b < rows * cols / 32; b++) {
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, b * blockBytes, Float.floatToFloat16(1f));
            for (int j = 2; j < blockBytes; j++) {
                seg.set(ValueLayout.JAVA_BYTE, b * blockBytes + j, (byte) codeByte);
            }
        }
        WeightMatrix w = new WeightMatrix("extreme", type, seg, rows, cols);
        for (float sign : new float[] {1f, -1f}) {
            float[] x = new float[cols];
            java.util.Arrays.fill(x, sign * 0.5f);
            float[] out = new float[rows];
            try (SimdCompute simd = new SimdCompute(1)) {
                simd.matmul(w, x, 1, out);
            }
            double d = Float.float16ToFloat(Float.floatToFloat16(0.5f / 127f));
            double expected = cols / 32 * d * blockSum * 127 * sign;
            for (int r = 0; r < rows; r++) {
                assertEquals(expected, out[r], Math.abs(expected) * 1e-6, type + " row " + r + " sign " + sign);
            }
        }
    }
    /**
     * llama.cpp's Q8_K scale of the 256 activations from x[xo]: -127 / max, max the value of
     * largest magnitude (the first of equals); its codes are min(127, round(iscale x)), d_x = 1 / iscale.
     */
    private static float q8KInverseScale(float[] x, int xo) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 256; j++) {
            if (Math.abs(x[xo + j]) > amax) {
                amax = Math.abs(x[xo + j]);
                max = x[xo + j];
            }
        }
        return -127f / max;
    }

    /**
     * llama.cpp's Q4_K x Q8_K and Q5_K x Q8_K: per block of 256, activations' d = max / -127 (max
     * the value of largest magnitude), codes min(127, round(-127 x / max)); d_x (d isum - dmin
     * msum) with isum = sum over sub-blocks of scale * sum(code_w code_x) and msum = sum of
     * minimum * sum(code_x). Q5_K's code adds 16 where bit sub of qh[l] is set (its nibbles start
     * at byte 48 instead of 16, after the 32 bytes of qh).
     */
    private static double[] integerDotQ4_KOrQ5_K(WeightMatrix w, int row, float[] x, int xOff) {
        boolean five = w.type() == GgmlType.Q5_K;
        MemorySegment data = w.data();
        double sum = 0;
        double magnitude = 0;
        for (int b = 0; b < w.cols() / 256; b++) {
            long at = row * w.rowBytes() + b * (five ? 176L : 144L);
            int xo = xOff + b * 256;
            float iscale = q8KInverseScale(x, xo);
            long isum = 0;
            long msum = 0;
            for (int sub = 0; sub < 8; sub++) {
                int scaleMin = org.llmexplorer.engine.tensor.format.Blocks.scaleMinK4(data, at + 4, sub);
                long dot = 0;
                long codes = 0;
                for (int l = 0; l < 32; l++) {
                    int bits = data.get(ValueLayout.JAVA_BYTE, at + (five ? 48 : 16) + 32 * (sub / 2) + l) & 0xFF;
                    int q = sub % 2 == 0 ? bits & 0xF : bits >> 4;
                    if (five && (data.get(ValueLayout.JAVA_BYTE, at + 16 + l) >> sub & 1) != 0) {
                        q += 16;
                    }
                    long c = (long) Math.min(127, Math.rint(iscale * x[xo + 32 * sub + l]));
                    dot += q * c;
                    codes += c;
                }
                isum += (scaleMin >>> 8) * dot;
                msum += (scaleMin & 0xFF) * codes;
            }
            double dx = 1f / iscale;
            double d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            double dmin = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2));
            sum += dx * (d * isum - dmin * msum);
            magnitude += Math.abs(dx * d * isum) + Math.abs(dx * dmin * msum);
        }
        return new double[] {sum, magnitude};
    }
    /**
     * llama.cpp's Q2_K x Q8_K and Q3_K x Q8_K: per block of 256, the activations' codes as for
     * Q4_K; sixteen sub-blocks of 16, sub-block s = 8n + 2j + p holding columns 16s + l (l &lt; 16),
     * whose 2-bit code is bits 2j of qs[32n + 16p + l] (qs at byte 16 for Q2_K, 32 for Q3_K).
     * Q2_K: scale byte s has the scale in its low nibble and the minimum in the high one; d_x (d
     * isum - dmin msum), isum = sum of scale * sum(q code_x), msum = sum of minimum * sum(code_x).
     * Q3_K: the code is q + 4 h - 4, h bit 4n + j of hmask[16p + l]; the 6-bit scale (less 32)
     * from the twelve bytes at 96; d_w d_x sum of scale * sum(code code_x).
     */
    private static double[] integerDotQ2_KOrQ3_K(WeightMatrix w, int row, float[] x, int xOff) {
        boolean three = w.type() == GgmlType.Q3_K;
        MemorySegment data = w.data();
        double sum = 0;
        double magnitude = 0;
        for (int b = 0; b < w.cols() / 256; b++) {
            long at = row * w.rowBytes() + b * (three ? 110L : 84L);
            int xo = xOff + b * 256;
            float iscale = q8KInverseScale(x, xo);
            long isum = 0;
            long msum = 0;
            for (int s = 0; s < 16; s++) {
                int n = s / 8;
                int j = s % 8 / 2;
                int p = s % 2;
                long dot = 0;
                long codes = 0;
                for (int l = 0; l < 16; l++) {
                    int bits = data.get(ValueLayout.JAVA_BYTE, at + (three ? 32 : 16) + 32 * n + 16 * p + l) & 0xFF;
                    int q = bits >> 2 * j & 3;
                    if (three) {
                        int h = data.get(ValueLayout.JAVA_BYTE, at + 16 * p + l) >> 4 * n + j & 1;
                        q += 4 * h - 4;
                    }
                    long c = (long) Math.min(127, Math.rint(iscale * x[xo + 16 * s + l]));
                    dot += q * c;
                    codes += c;
                }
                if (three) {
                    long lo = data.get(ValueLayout.JAVA_LONG_UNALIGNED, at + 96);
                    int hi = data.get(ValueLayout.JAVA_INT_UNALIGNED, at + 104);
                    isum += (org.llmexplorer.engine.tensor.format.Blocks.scaleQ3K(lo, hi, s) - 32) * dot;
                } else {
                    int scale = data.get(ValueLayout.JAVA_BYTE, at + s) & 0xFF;
                    isum += (scale & 0xF) * dot;
                    msum += (scale >> 4) * codes;
                }
            }
            double dx = 1f / iscale;
            double d = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + (three ? 108 : 80)));
            double dmin = three ? 0 : Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 82));
            sum += dx * (d * isum - dmin * msum);
            magnitude += Math.abs(dx * d * isum) + Math.abs(dx * dmin * msum);
        }
        return new double[] {sum, magnitude};
    }

    /**
     * llama.cpp's Q6_K x Q8_K: per block of 256, the activations' codes as for Q4_K, and d_w d_x
     * times the sum over columns of scale * (q - 32) * code_x. Column c of a block: half c / 128,
     * j = c % 128, m = j / 32, l = j % 32; q has the low (m &lt; 2) or high nibble of ql[64 half + l
     * + 32 (m % 2)] and bits 2m, 2m + 1 of qh[32 half + l] above it; its scale is the int8
     * sc[8 half + l / 16 + 2 m].
     */
    private static double[] integerDotQ6_K(WeightMatrix w, int row, float[] x, int xOff) {
        MemorySegment data = w.data();
        double sum = 0;
        double magnitude = 0;
        for (int b = 0; b < w.cols() / 256; b++) {
            long at = row * w.rowBytes() + b * 210L;
            int xo = xOff + b * 256;
            float iscale = q8KInverseScale(x, xo);
            long isum = 0;
            for (int c = 0; c < 256; c++) {
                int half = c / 128;
                int m = c % 128 / 32;
                int l = c % 32;
                int ql = data.get(ValueLayout.JAVA_BYTE, at + 64 * half + l + 32 * (m % 2)) & 0xFF;
                int qh = data.get(ValueLayout.JAVA_BYTE, at + 128 + 32 * half + l) & 0xFF;
                int q = (m < 2 ? ql & 0xF : ql >> 4) | ((qh >> 2 * m) & 3) << 4;
                int scale = data.get(ValueLayout.JAVA_BYTE, at + 192 + 8 * half + l / 16 + 2 * m);
                long code = (long) Math.min(127, Math.rint(iscale * x[xo + c]));
                isum += scale * (q - 32) * code;
            }
            double term = (1f / iscale) * (double) Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 208))
                    * isum;
            sum += term;
            magnitude += Math.abs(term);
        }
        return new double[] {sum, magnitude};
    }

    /**
     * Q6_K's widest sums: every code 0 (weight -32) or 63 (31), every scale 1 and d 1, against
     * activations of +-0.5 (codes -127): eight columns of -32 * -127 make 32512, near the 16-bit
     * limit; each row is blocks * 256 * (q - 32) * 0.5 * sign.
     */
    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {0, 63})
    void extremeQ6_KBlocksStayExact(int q) {
        int rows = 40;
        int cols = 512;
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * cols / 256 * 210);
        for (long b = 0; b < rows * cols / 256; b++) {
            long at = b * 210;
            for (int j = 0; j < 128; j++) {
                seg.set(ValueLayout.JAVA_BYTE, at + j, (byte) (q == 63 ? 0xFF : 0));
            }
            for (int j = 0; j < 64; j++) {
                seg.set(ValueLayout.JAVA_BYTE, at + 128 + j, (byte) (q == 63 ? 0xFF : 0));
            }
            for (int j = 0; j < 16; j++) {
                seg.set(ValueLayout.JAVA_BYTE, at + 192 + j, (byte) 1);
            }
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 208, Float.floatToFloat16(1f));
        }
        WeightMatrix w = new WeightMatrix("extreme", GgmlType.Q6_K, seg, rows, cols);
        for (float sign : new float[] {1f, -1f}) {
            float[] x = new float[cols];
            java.util.Arrays.fill(x, sign * 0.5f);
            float[] out = new float[rows];
            try (SimdCompute simd = new SimdCompute(1)) {
                simd.matmul(w, x, 1, out);
            }
            double expected = cols * (q - 32) * 0.5 * sign;
            for (int r = 0; r < rows; r++) {
                assertEquals(expected, out[r], Math.abs(expected) * 1e-6, "row " + r + " sign " + sign);
            }
        }
    }

    /** Packing ahead ({@code prepare}, as a model loads) gives the products that packing on first use gives. */
    @org.junit.jupiter.api.Test
    void preparedMatricesGiveTheSameProducts() {
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
                GgmlType.Q5_K, GgmlType.Q6_K}) {
            Random random = new Random(3);
            WeightMatrix w = RandomWeights.matrix(type, 70, 512, random);
            float[] x = RandomWeights.vector(5 * 512, random);
            float[] lazily = new float[5 * 70];
            float[] ahead = new float[5 * 70];
            try (SimdCompute simd = new SimdCompute(2)) {
                simd.matmul(w, x, 5, lazily);
            }
            try (SimdCompute simd = new SimdCompute(2)) {
                simd.prepare(w);
                assertEquals(1, simd.packedMatrices(), "packed ahead");
                simd.matmul(w, x, 5, ahead);
                assertEquals(1, simd.packedMatrices(), "and not again");
                simd.prepare(RandomWeights.matrix(GgmlType.Q5_0, 8, 256, random));
                assertEquals(1, simd.packedMatrices(), "Q5_0 keeps its file's layout");
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(lazily, ahead, type.toString());
        }
    }
}
