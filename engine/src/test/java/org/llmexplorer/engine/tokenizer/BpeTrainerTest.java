package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufWriter;

class BpeTrainerTest {
    private static final String TEXT = "low low low low low lower lower newest newest newest newest newest newest "
            + "widest widest widest\nlow newest\n";

    @Test
    void mergesTheMostFrequentPairsFirst() {
        TrainedBpe bpe = BpeTrainer.train(List.of(TEXT), 258 + 4, "gpt-2");
        assertEquals(262, bpe.size());
        // " newest" x7 and " widest" x3 share "st" and "es"; "Ġ" + "n"/"l"/"w" pairs count less once split.
        assertEquals("e s", bpe.merges()[0]);
        assertEquals("es t", bpe.merges()[1]);
        assertEquals("<s>", bpe.tokens()[TrainedBpe.BOS]);
        assertEquals("Ġ", bpe.tokens()[2 + ' ']); // after the two specials, byte b at 2 + b
        assertEquals("Ã", bpe.tokens()[2 + 0xC3]);
    }

    @Test
    void anyTextRoundTripsAndWordsBecomeSingleTokens() {
        TrainedBpe bpe = BpeTrainer.train(List.of(TEXT.repeat(3)), 300, "gpt-2");
        Tokenizer t = bpe.tokenizer();
        String unseen = "Zebra ünïcødé 😀 tabs\tand\r\nnewlines 12345";
        int[] ids = t.encode(unseen, true, false);
        assertEquals(TrainedBpe.BOS, ids[0]);
        assertEquals(unseen, t.decode(ids));
        int[] newest = t.encode(" newest", false, false);
        assertEquals(1, newest.length, "a frequent word is one token");
        assertTrue(bpe.size() < 300, "stops when no pair is seen twice: " + bpe.size());
    }

    /** What a model file says is what the tokenizer in memory does. */
    @Test
    void theFileGivesTheSameTokenizer(@TempDir Path dir) throws Exception {
        TrainedBpe bpe = BpeTrainer.train(List.of(TEXT), 270, "llama-bpe");
        Path file = dir.resolve("t.gguf");
        new GgufWriter().putAll(bpe.metadata()).write(file);
        try (GgufFile f = GgufFile.open(file)) {
            Tokenizer fromFile = Tokenizer.from(f);
            String text = "lowest newer widest 2024!";
            assertArrayEquals(bpe.tokenizer().encode(text, true, false), fromFile.encode(text, true, false));
            TrainedBpe read = TrainedBpe.from(f);
            assertArrayEquals(bpe.tokens(), read.tokens());
            assertArrayEquals(bpe.types(), read.types());
            assertArrayEquals(bpe.merges(), read.merges());
        }
    }
}
