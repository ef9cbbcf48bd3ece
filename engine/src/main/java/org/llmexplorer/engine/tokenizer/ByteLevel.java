package org.llmexplorer.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level alphabet: every byte value written as one printable character, so that BPE vocabularies can
 * store any byte sequence as text. The bytes {@code !..~}, {@code ¡..¬} and {@code ®..ÿ} stand for themselves; the
 * other 68 (control characters, space, DEL, the C1 range, NBSP and the soft hyphen) become U+0100, U+0101, ... in
 * byte order, so a space is {@code Ġ} (U+0120) and a newline {@code Ċ} (U+010A).
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[256 + 68];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = (char) (printable ? b : next++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The text's UTF-8 bytes, one alphabet character each. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** The alphabet character of one byte value (0 to 255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b];
    }

    /** The byte an alphabet character stands for, or -1 for a code point outside the alphabet. */
    static int byteOf(int codePoint) {
        return codePoint >= 0 && codePoint < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[codePoint] : -1;
    }
}
