package org.llmexplorer.engine.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextSplitTest {

    private static String lines(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("line ").append(i).append(" of the text\n");
        }
        return sb.toString();
    }

    @Test
    void everyKthRunOfLinesIsHeldOutFromAllOverTheText() {
        String text = lines(4000);
        TextSplit split = TextSplit.of(text, 0.05);
        List<String> held = List.of(split.validation().split("(?<=\n)"));
        List<String> kept = List.of(split.train().split("(?<=\n)"));
        assertEquals(200, held.size(), "5% of the lines");
        assertEquals(4000, held.size() + kept.size());
        List<String> all = new ArrayList<>(kept);
        all.addAll(held);
        all.sort(null);
        List<String> expected = new ArrayList<>(List.of(text.split("(?<=\n)")));
        expected.sort(null);
        assertEquals(expected, all, "every line in exactly one part");
        // Runs of 4000 / (4 * 20) = 50 lines (at least four held-out runs), the middle one of
        // each group of 20: lines 500-549, 1500-1549, 2500-2549 and 3500-3549.
        assertEquals("line 500 of the text\n", held.get(0));
        assertEquals("line 1549 of the text\n", held.get(99));
        assertEquals("line 3500 of the text\n", held.get(150));
    }

    @Test
    void aTextOfFewLinesHoldsOutItsEndFromAWordsStart() {
        String text = lines(17);
        TextSplit split = TextSplit.of(text, 0.05);
        assertFalse(split.validation().isEmpty());
        assertEquals(text, split.train() + split.validation());
        assertTrue(Character.isWhitespace(split.train().charAt(split.train().length() - 1)), split.train());
        double share = split.validation().length() / (double) text.length();
        assertTrue(share > 0.02 && share < 0.1, "about 5%: " + share);
    }

    @Test
    void noFractionNoValidation() {
        TextSplit split = TextSplit.of(lines(50), 0);
        assertEquals("", split.validation());
    }
}
