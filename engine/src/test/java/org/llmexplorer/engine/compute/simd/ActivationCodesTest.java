package org.llmexplorer.engine.compute.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.compute.RandomWeights;
import org.llmexplorer.engine.tensor.ActivationRounding;

/**
 * The integer codes stand for exactly the values {@link ActivationRounding} gives: bit for bit,
 * with the differential rule's jitter, for blocks of zeros and for a block holding both its largest
 * value and that value's opposite (Q8_K's codes -127 and 127).
 */
class ActivationCodesTest {

    @ParameterizedTest(name = "jitter {0}")
    @ValueSource(floats = {1f, 1.000016f, 0.9999998f})
    void codesStandForActivationRoundingsValues(float jitter) {
        Random random = new Random(5);
        int n = 4 * 256;
        float[] x = RandomWeights.vector(n, random);
        Arrays.fill(x, 256, 288, 0f); // a zero block of 32 inside a block of 256
        Arrays.fill(x, 512, 768, 0f); // a zero block of 256
        x[800] = -2f; // Q8_K's max, mapped to -127 ...
        x[801] = 2f;  // ... and its opposite to 127
        try {
            ActivationRounding.jitterScale(jitter);
            for (ActivationRounding rounding : new ActivationRounding[] {ActivationRounding.Q8_0, ActivationRounding.Q8_K}) {
                ActivationCodes codes = rounding == ActivationRounding.Q8_0 ? new ActivationCodes.Q8_0()
                        : new ActivationCodes.Q8_K();
                float[] expected = new float[n];
                rounding.apply(x, 0, n, expected, 0);
                codes.quantize(x, 0, n);
                assertArrayEquals(expected, Arrays.copyOf(codes.values(n), n), 0f, rounding.toString());
                int[] sums = new int[n / 32];
                for (int i = 0; i < n; i++) {
                    sums[i / 32] += codes.codes[i];
                }
                for (int b = 0; b < n / 32; b++) {
                    assertArrayEquals(new int[] {sums[b]}, new int[] {codes.sums[b]}, rounding + " block " + b);
                }
                for (int e = 0; rounding == ActivationRounding.Q8_K && e < n / 8; e++) {
                    int sum8 = 0;
                    for (int j = 0; j < 8; j++) {
                        sum8 += codes.codes[8 * e + j];
                    }
                    assertArrayEquals(new int[] {sum8}, new int[] {codes.sums8[e]}, "Q8_K eight codes " + e);
                }
            }
        } finally {
            ActivationRounding.jitterScale(1f);
        }
    }

    /** Each four codes' sixteen subset sums, times 16, as Q5_K's kernel looks its fifth bits up in them. */
    @Test
    void subsetSumsAreTheSumsOfTheCodesEachIndexsBitsName() {
        int n = 2 * 256;
        float[] x = RandomWeights.vector(n, new Random(9));
        x[3] = 1e3f; // codes of both signs, up to 127 in magnitude
        x[300] = -1e3f;
        ActivationCodes codes = new ActivationCodes.Q8_K();
        codes.quantize(x, 0, n);
        codes.subsetSums(n);
        for (int i = 0; i < n; i += 4) {
            for (int e = 0; e < 16; e++) {
                int sum = 0;
                for (int t = 0; t < 4; t++) {
                    sum += (e >> t & 1) * codes.codes[i + t];
                }
                assertEquals(16 * sum, codes.subsets[4 * i + e], "codes " + i + ".." + (i + 3) + ", subset " + e);
            }
        }
    }
}
