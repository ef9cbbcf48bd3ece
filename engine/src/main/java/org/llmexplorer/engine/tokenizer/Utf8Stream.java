package org.llmexplorer.engine.tokenizer;

/**
 * Turns the bytes of tokens, arriving one token at a time, into text without ever emitting half of a multi-byte
 * UTF-8 character: a sequence that is still a valid beginning of a character waits for the next bytes; bytes
 * that can never form a character come out as U+FFFD as soon as that is certain (one U+FFFD for each maximal
 * ill-formed subpart, the W3C/WHATWG "replacement" rule). The text is the same however the bytes are cut into
 * pushes: pushing them all at once and flushing decodes them in one go.
 */
public final class Utf8Stream {
    private static final char REPLACEMENT = '\uFFFD';

    private int codePoint; // bits gathered so far of the character being read
    private int needed;    // continuation bytes the character needs in all; 0 between characters
    private int seen;      // continuation bytes read so far
    private int lower = 0x80; // bounds of the next continuation byte
    private int upper = 0xBF;

    /** Adds bytes and returns the text that is now complete (possibly empty). */
    public String push(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte value : bytes) {
            accept(value & 0xFF, out);
        }
        return out.toString();
    }

    /** Ends the stream: returns U+FFFD if it stopped inside a character (else nothing), and starts afresh. */
    public String flush() {
        if (needed == 0) {
            return "";
        }
        reset();
        return String.valueOf(REPLACEMENT);
    }

    /** Whether bytes of an unfinished character are waiting. */
    public boolean pending() {
        return needed != 0;
    }

    private void accept(int b, StringBuilder out) {
        if (needed == 0) {
            if (b < 0x80) {
                out.append((char) b);
            } else if (b >= 0xC2 && b <= 0xDF) {
                start(1, b & 0x1F);
            } else if (b >= 0xE0 && b <= 0xEF) {
                if (b == 0xE0) {
                    lower = 0xA0; // no overlong forms
                } else if (b == 0xED) {
                    upper = 0x9F; // no surrogates
                }
                start(2, b & 0x0F);
            } else if (b >= 0xF0 && b <= 0xF4) {
                if (b == 0xF0) {
                    lower = 0x90; // no overlong forms
                } else if (b == 0xF4) {
                    upper = 0x8F; // nothing above U+10FFFF
                }
                start(3, b & 0x07);
            } else {
                out.append(REPLACEMENT); // a byte no character starts with
            }
            return;
        }
        if (b < lower || b > upper) {
            // The character can never be completed: replace what was read, then read this byte afresh.
            reset();
            out.append(REPLACEMENT);
            accept(b, out);
            return;
        }
        lower = 0x80;
        upper = 0xBF;
        codePoint = (codePoint << 6) | (b & 0x3F);
        if (++seen == needed) {
            out.appendCodePoint(codePoint);
            reset();
        }
    }

    private void start(int continuationBytes, int bits) {
        needed = continuationBytes;
        codePoint = bits;
        seen = 0;
    }

    private void reset() {
        codePoint = 0;
        needed = 0;
        seen = 0;
        lower = 0x80;
        upper = 0xBF;
    }
}
