package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.llmexplorer.engine.tensor.GgmlType;

/** Little-endian field reads shared by the block formats. */
public final class Blocks {
    private Blocks() {
    }

    /**
     * Byte offsets of the fp16 fields (scales, minimums) inside one block of a block type; what
     * is not listed is packed codes, which any byte pattern makes valid.
     */
    public static int[] halfFields(GgmlType type) {
        return switch (type) {
            case Q8_0, Q4_0, Q5_0, IQ4_NL -> new int[] {0};
            case Q4_1, Q5_1, Q4_K, Q5_K -> new int[] {0, 2};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            case Q6_K -> new int[] {208};
            default -> throw new IllegalArgumentException(type + " is not a block type");
        };
    }

    public static float half(MemorySegment m, long at) {
        return Float.float16ToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, at));
    }

    public static int u8(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    public static int i8(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_BYTE, at);
    }

    public static int u32(MemorySegment m, long at) {
        return m.get(ValueLayout.JAVA_INT_UNALIGNED, at);
    }

    /**
     * The 6-bit scale and minimum of sub-block j (0..7) packed in the 12 scale bytes of Q4_K and
     * Q5_K: sub-blocks 0..3 in the low 6 bits of bytes j and j + 4, sub-blocks 4..7 in the nibbles
     * of bytes j + 4 with their top two bits in the high bits of bytes j - 4 and j.
     * Returns scale &lt;&lt; 8 | min.
     */
    /**
     * As {@link #scaleMinK4(MemorySegment, long, int)}, from the twelve scale bytes already read
     * as a little-endian long (bytes 0..7) and int (bytes 8..11): no memory access per call.
     */
    public static int scaleMinK4(long lo, int hi, int j) {
        int sc;
        int mn;
        if (j < 4) {
            sc = scaleByte(lo, hi, j) & 63;
            mn = scaleByte(lo, hi, j + 4) & 63;
        } else {
            sc = (scaleByte(lo, hi, j + 4) & 0xF) | ((scaleByte(lo, hi, j - 4) >>> 6) << 4);
            mn = (scaleByte(lo, hi, j + 4) >>> 4) | ((scaleByte(lo, hi, j) >>> 6) << 4);
        }
        return sc << 8 | mn;
    }

    /**
     * Scale j (0..15) of a Q3_K block, from its twelve scale bytes read as a little-endian long
     * (bytes 0..7) and int (bytes 8..11): the low four bits in the nibbles of bytes 0..7 (j &lt; 8
     * low, else high), the top two in bytes 8..11. Still offset by 32.
     */
    public static int scaleQ3K(long lo, int hi, int j) {
        int low = j < 8 ? scaleByte(lo, hi, j) & 0xF : scaleByte(lo, hi, j - 8) >>> 4;
        int high = (scaleByte(lo, hi, 8 + j % 4) >>> (2 * (j / 4))) & 3;
        return low | high << 4;
    }

    private static int scaleByte(long lo, int hi, int i) {
        return (int) (i < 8 ? lo >>> (8 * i) : hi >>> (8 * (i - 8))) & 0xFF;
    }

    public static int scaleMinK4(MemorySegment m, long scales, int j) {
        int sc;
        int mn;
        if (j < 4) {
            sc = u8(m, scales + j) & 63;
            mn = u8(m, scales + j + 4) & 63;
        } else {
            sc = (u8(m, scales + j + 4) & 0xF) | ((u8(m, scales + j - 4) >>> 6) << 4);
            mn = (u8(m, scales + j + 4) >>> 4) | ((u8(m, scales + j) >>> 6) << 4);
        }
        return sc << 8 | mn;
    }
}
