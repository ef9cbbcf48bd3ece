package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class Utf8StreamTest {

    @Test
    void everySplitOfMultiByteTextComesOutWhole() {
        String text = "añ€😀z"; // 1, 2, 3 and 4-byte characters
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int cut1 = 0; cut1 <= bytes.length; cut1++) {
            for (int cut2 = cut1; cut2 <= bytes.length; cut2++) {
                Utf8Stream s = new Utf8Stream();
                StringBuilder out = new StringBuilder();
                for (String part : new String[] {
                        s.push(Arrays.copyOfRange(bytes, 0, cut1)),
                        s.push(Arrays.copyOfRange(bytes, cut1, cut2)),
                        s.push(Arrays.copyOfRange(bytes, cut2, bytes.length))}) {
                    assertEquals(-1, part.indexOf('\uFFFD'), "no replacement character mid-stream");
                    out.append(part);
                }
                out.append(s.flush());
                assertEquals(text, out.toString(), "cuts at " + cut1 + ", " + cut2);
            }
        }
    }

    @Test
    void incompleteCharacterWaitsThenCompletes() {
        Utf8Stream s = new Utf8Stream();
        byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
        assertEquals("", s.push(new byte[] {emoji[0]}));
        assertEquals("", s.push(new byte[] {emoji[1], emoji[2]}));
        assertEquals("😀", s.push(new byte[] {emoji[3]}));
        assertEquals("", s.flush());
    }

    @Test
    void bytesThatCanNeverCompleteBecomeReplacementCharacters() {
        Utf8Stream s = new Utf8Stream();
        assertEquals("a\uFFFD", s.push(new byte[] {'a', (byte) 0xFF}));
        assertEquals("\uFFFDb", s.push(new byte[] {(byte) 0x80, 'b'})); // a lone continuation byte
        assertEquals("", s.push(new byte[] {(byte) 0xE2, (byte) 0x82}));
        assertEquals("\uFFFD", s.flush()); // the stream ended inside a character
    }
}
