package org.llmexplorer.engine.tensor.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Little-endian field reads shared by the block formats. */
public final class Blocks {
    private Blocks() {
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
