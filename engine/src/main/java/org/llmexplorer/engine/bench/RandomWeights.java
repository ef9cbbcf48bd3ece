package org.llmexplorer.engine.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import org.llmexplorer.engine.sampling.SplitMix64;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import org.llmexplorer.engine.tensor.format.Blocks;

/**
 * Random weights written directly in a weight type: random codes in every block, scales chosen
 * so that the values have a given standard deviation and a mean near zero (types with a minimum
 * get one that centres their codes: Q4_1's m = -7.5 d, Q4_K's minimums 7.5 times its scales).
 * Any such block is a valid block of its type, so a file of them is read the same way by every
 * engine, which is all a speed or parity test needs.
 */
public final class RandomWeights {
    private RandomWeights() {
    }

    /** Fills target (whole blocks of the type) with values of standard deviation sigma. */
    public static void fill(GgmlType type, MemorySegment target, float sigma, long seed) {
        if (!type.isQuantized()) {
            floats(type, target, sigma, seed);
            return;
        }
        codes(type, target, seed);
        // The values are linear in the blocks' fp16 scale fields: measure, then scale those fields.
        double rms = rms(type, target);
        float k = rms == 0 ? 0f : (float) (sigma / rms);
        long blocks = target.byteSize() / type.blockBytes;
        for (long b = 0; b < blocks; b++) {
            for (int field : Blocks.halfFields(type)) {
                long at = b * type.blockBytes + field;
                target.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(Blocks.half(target, at) * k));
            }
        }
    }

    private static void floats(GgmlType type, MemorySegment m, float sigma, long seed) {
        float spread = sigma * (float) Math.sqrt(3); // uniform in [-a, a] has standard deviation a / sqrt(3)
        int width = type == GgmlType.F32 ? 4 : 2;
        long n = m.byteSize() / width;
        parallelChunks(n, seed, (r, from, to) -> {
            for (long i = from; i < to; i++) {
                float v = (float) (r.nextDouble() * 2 - 1) * spread;
                switch (type) {
                    case F32 -> m.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4, v);
                    case F16 -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, i * 2, Float.floatToFloat16(v));
                    case BF16 -> m.set(ValueLayout.JAVA_SHORT_UNALIGNED, i * 2, (short) (Float.floatToIntBits(v) >>> 16));
                    default -> throw new IllegalArgumentException(type + " is not a float type");
                }
            }
        });
    }

    /** Random codes, unit scales, and where a type has minimums, minimums that centre the codes. */
    private static void codes(GgmlType type, MemorySegment m, long seed) {
        long blocks = m.byteSize() / type.blockBytes;
        parallelChunks(blocks, seed, (r, from, to) -> {
            for (long b = from; b < to; b++) {
                long at = b * type.blockBytes;
                for (int j = 0; j < type.blockBytes; j += 8) {
                    long bits = r.nextLong();
                    for (int k = 0; k < 8 && j + k < type.blockBytes; k++) {
                        m.set(ValueLayout.JAVA_BYTE, at + j + k, (byte) (bits >>> (8 * k)));
                    }
                }
                switch (type) {
                    case Q4_1 -> halves(m, at, 1f, -7.5f);
                    case Q5_1 -> halves(m, at, 1f, -15.5f);
                    case Q4_K -> {
                        halves(m, at, 1f, 1f);
                        scalesK4(m, at + 4, r, 8, 7.5f);
                    }
                    case Q5_K -> {
                        halves(m, at, 1f, 1f);
                        scalesK4(m, at + 4, r, 4, 15.5f);
                    }
                    case Q2_K -> {
                        for (int j = 0; j < 16; j++) {
                            int sc = 1 + (int) Math.floorMod(r.nextLong(), 10L);
                            int mn = Math.round(1.5f * sc);
                            m.set(ValueLayout.JAVA_BYTE, at + j, (byte) (sc | mn << 4));
                        }
                        halves(m, at + 80, 1f, 1f);
                    }
                    default -> {
                        for (int field : Blocks.halfFields(type)) {
                            m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + field, Float.floatToFloat16(1f));
                        }
                    }
                }
            }
        });
    }

    private static void halves(MemorySegment m, long at, float first, float second) {
        m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(first));
        m.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2, Float.floatToFloat16(second));
    }

    /**
     * The twelve bytes of Q4_K/Q5_K scales and minimums (6 bits each): scales 1..maxScale at
     * random, each sub-block's minimum the scale times {@code centre}, so that d * sc * q - dmin * mn
     * is centred on zero when d = dmin.
     */
    private static void scalesK4(MemorySegment m, long at, SplitMix64 r, int maxScale, float centre) {
        int[] sc = new int[8];
        int[] mn = new int[8];
        for (int j = 0; j < 8; j++) {
            sc[j] = 1 + (int) Math.floorMod(r.nextLong(), (long) maxScale);
            mn[j] = Math.min(63, Math.round(centre * sc[j]));
        }
        for (int k = 0; k < 4; k++) {
            m.set(ValueLayout.JAVA_BYTE, at + k, (byte) (sc[k] | (sc[k + 4] >> 4) << 6));
            m.set(ValueLayout.JAVA_BYTE, at + k + 4, (byte) (mn[k] | (mn[k + 4] >> 4) << 6));
            m.set(ValueLayout.JAVA_BYTE, at + k + 8, (byte) ((sc[k + 4] & 0xF) | (mn[k + 4] & 0xF) << 4));
        }
    }

    /** The root mean square of the values of up to the first 2^20 elements. */
    private static double rms(GgmlType type, MemorySegment m) {
        var format = TensorFormats.of(type);
        long elements = m.byteSize() / type.blockBytes * type.blockSize;
        int n = (int) Math.min(elements, 1 << 20) / type.blockSize * type.blockSize;
        float[] out = new float[n];
        format.dequantize(m, 0, out, 0, n);
        double sum = 0;
        for (float v : out) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum / Math.max(1, n));
    }

    private interface Chunk {
        void run(SplitMix64 r, long from, long to);
    }

    /** Work split into chunks with a generator each, so the result does not depend on the thread count. */
    private static void parallelChunks(long n, long seed, Chunk chunk) {
        int chunks = (int) Math.min(256, Math.max(1, n / 4096));
        IntStream.range(0, chunks).parallel().forEach(c -> chunk.run(new SplitMix64(seed * 1_000_003L + c),
                n * c / chunks, n * (c + 1) / chunks));
    }
}
