package org.llmexplorer.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.simd.SimdCompute;
import org.llmexplorer.engine.generate.Perplexity;

/**
 * The model the project ships ({@code models/default.gguf}, see {@code models/default.md}): in the
 * repository, small, the shape its card gives, found when no model is named, and a model of
 * its corpus: held-out verses of the King James Bible are far more likely to it than the same
 * words in random order.
 */
class DefaultModelTest {
    static final Path FILE = Path.of("models", "default.gguf");
    static final Path HELD_OUT = Path.of("models", "default-heldout.txt");

    @Test
    void isSmallAndHasTheShapeOfItsCard() throws Exception {
        assertTrue(Files.size(FILE) <= 20L << 20, "at most 20 MB: " + Files.size(FILE));
        try (Model model = Model.open(FILE)) {
            ModelConfig c = model.config();
            assertEquals("llama", c.architecture());
            assertEquals(List.of(4, 256, 8, 4, 2048), List.of(c.layers(), c.dim(), c.heads(), c.kvHeads(), c.vocabSize()));
            assertEquals("gpt2", model.file().string("tokenizer.ggml.model").orElseThrow());
            assertEquals("causal", c.trainedMask().spec());
            assertTrue(c.contextLength() >= 512, "a conversation of 512 tokens fits: context " + c.contextLength());
            String verse = "In the beginning God created the heaven and the earth.";
            int[] ids = model.tokenizer().encode(verse, false, false);
            assertTrue(ids.length < verse.length() / 2, "its BPE merges words of its corpus: " + ids.length + " tokens");
            assertEquals(verse, model.tokenizer().decode(ids));
        }
    }

    @Test
    void isFoundWhenNoModelIsNamed() throws Exception {
        String before = System.getProperty(DefaultModel.HOME_PROPERTY);
        System.setProperty(DefaultModel.HOME_PROPERTY, ".");
        try {
            assertEquals(FILE.toRealPath(), DefaultModel.find().orElseThrow().toRealPath());
        } finally {
            if (before == null) {
                System.clearProperty(DefaultModel.HOME_PROPERTY);
            } else {
                System.setProperty(DefaultModel.HOME_PROPERTY, before);
            }
        }
    }

    @Test
    void heldOutVersesAreFarMoreLikelyThanTheirWordsShuffled() throws Exception {
        // The first 40 held-out verses; their words shuffled make the same tokens' worth of text
        // out of order: a model that learned only word frequencies would score both alike.
        List<String> verses = Files.readAllLines(HELD_OUT).stream().filter(l -> !l.isBlank()).limit(40).toList();
        String text = String.join("\n", verses);
        List<String> words = new ArrayList<>(Arrays.asList(text.split("\\s+")));
        Collections.shuffle(words, new Random(7));
        String shuffled = String.join(" ", words);
        try (Model model = Model.open(FILE); Compute ops = new SimdCompute(2)) {
            double ppl = perplexity(model, ops, text);
            double shuffledPpl = perplexity(model, ops, shuffled);
            System.out.printf("default model: perplexity %.2f on 40 held-out verses, %.2f on their words shuffled%n",
                    ppl, shuffledPpl);
            assertTrue(ppl < 35, "held-out perplexity " + ppl + " (the card gives about 21 on the whole held-out text)");
            assertTrue(shuffledPpl > 3 * ppl, "shuffled " + shuffledPpl + " vs in order " + ppl);
        }
    }

    /**
     * Trained on windows of 512, it uses them: the same held-out text is likelier when every
     * token sees up to 511 tokens before it than when it sees up to 127.
     */
    @Test
    void aLongerContextMakesTheHeldOutTextLikelier() throws Exception {
        String text = String.join("\n", Files.readAllLines(HELD_OUT).stream().limit(400).toList());
        try (Model model = Model.open(FILE); Compute ops = new SimdCompute(2)) {
            int[] tokens = model.tokenizer().encode(text, true, false);
            double at512 = Perplexity.compute(model, ops, model.config().trainedMask(), tokens, 512, 0).ppl();
            double at128 = Perplexity.compute(model, ops, model.config().trainedMask(), tokens, 128, 0).ppl();
            System.out.printf("default model: perplexity %.2f in windows of 512, %.2f in windows of 128%n", at512, at128);
            assertTrue(at512 < at128, "512: " + at512 + ", 128: " + at128);
        }
    }

    private static double perplexity(Model model, Compute ops, String text) {
        int[] tokens = model.tokenizer().encode(text, true, false);
        return Perplexity.compute(model, ops, model.config().trainedMask(), tokens, 128, 0).ppl();
    }
}
