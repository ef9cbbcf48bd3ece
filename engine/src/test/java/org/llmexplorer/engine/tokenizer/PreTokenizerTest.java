package org.llmexplorer.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The words each pre-tokenizer cuts a text into, worked out by hand from llama.cpp's expressions and its
 * {@code unicode_regex_split}; in particular where llama.cpp differs from the tokenizers' original expressions
 * and from Java's defaults.
 */
class PreTokenizerTest {

    private static List<String> split(String pre, String text) {
        return PreTokenizer.named(pre).orElseThrow().split(text);
    }

    @Test
    void namesSelectTheExpressions() {
        assertEquals(PreTokenizer.DEFAULT, PreTokenizer.named("").orElseThrow(), "no pre-tokenizer: llama.cpp's default");
        assertEquals(PreTokenizer.LLAMA3, PreTokenizer.named("llama-bpe").orElseThrow());
        assertEquals(PreTokenizer.QWEN2, PreTokenizer.named("deepseek-r1-qwen").orElseThrow());
        assertTrue(PreTokenizer.named("tekken").isEmpty());
        assertTrue(PreTokenizer.LLAMA3.addsBos() && PreTokenizer.LLAMA3.ignoresMerges());
        assertTrue(!PreTokenizer.DBRX.addsBos() && !PreTokenizer.DBRX.ignoresMerges());
    }

    @Test
    void contractionsIgnoreCaseInLlama3ButNotInGpt2() {
        assertEquals(List.of("I", "'M", " here", "'S"), split("llama-bpe", "I'M here'S"));
        assertEquals(List.of("I", "'", "M", " here", "'s"), split("gpt-2", "I'M here's"));
        // (?i) folds ASCII only: the long s does not make a contraction.
        assertEquals(List.of("'\u017F"), split("llama-bpe", "'\u017F"));
    }

    @Test
    void digitGroups() {
        assertEquals(List.of("123", "456", "7"), split("llama-bpe", "1234567"));
        assertEquals(List.of("1", "2", "3", "4"), split("qwen2", "1234"));
        assertEquals(List.of(" 1234"), split("gpt-2", " 1234"));
        assertEquals(List.of("abc", " ", "1", "2", "3"), split("smollm", "abc 123"));
        assertEquals(List.of("abc", "123", "45", "中文"), split("deepseek-v3", "abc12345中文"));
    }

    @Test
    void whitespaceIsUnicodeWhiteSpace() {
        // U+3000 is whitespace to llama.cpp (Java's \s would say no and glue the two to a punctuation run).
        assertEquals(List.of("a", "\u3000", "\u3000b"), split("llama-bpe", "a\u3000\u3000b"));
        assertEquals(List.of("a", "  \n\n", " b"), split("llama-bpe", "a  \n\n b"));
        assertEquals(List.of("a", " ", " b", "  "), split("gpt-2", "a  b  "));
        assertEquals(List.of("\t", "a"), split("gpt-2", "\ta"), "an unmatched whitespace character is a word");
    }

    @Test
    void tildeIsNeitherPunctuationNorSymbolToDeepSeekV3() {
        // llama.cpp's ASCII list for \p{S} lacks '~': the first '~' matches nothing and stays a word of its own,
        // the second starts a punctuation-led ASCII word. (By Unicode, '~~' would be one symbol run.)
        assertEquals(List.of("a", "~", "~b"), split("deepseek-v3", "a~~b"));
        assertEquals(List.of("a", " $$", "b"), split("deepseek-v3", "a $$b"));
    }

    @Test
    void defaultAndFalconCutPunctuationFirst() {
        assertEquals(List.of("Hello", ",", " world", "!", " ", "123", "4"), split("default", "Hello, world! 1234"));
        assertEquals(List.of("a", "`", "b", " ", "123", "4"), split("falcon", "a`b 1234"));
    }

    @Test
    void gpt4oAsLlamaCppWritesIt() {
        assertEquals(List.of("Hello", "World's", " test"), split("gpt-4o", "HelloWorld's test"));
        assertEquals(List.of("Camel", "CASE", "123", "45"), split("gpt-4o", "CamelCASE12345"));
        // Non-ASCII letters count as upper and lower case alike in llama.cpp's rewrite of the o200k expression.
        assertEquals(List.of("\u00C9", "COLE"), split("gpt-4o", "\u00C9COLE"));
    }

    @Test
    void astralCharactersStayWhole() {
        String text = "\uD835\uDFCF\uDB80\uDC00a \uD83D\uDE00\uD83D\uDE00";
        for (PreTokenizer p : PreTokenizer.values()) {
            List<String> words = p.split(text);
            assertEquals(text, String.join("", words), p.name());
            for (String w : words) {
                assertTrue(!Character.isLowSurrogate(w.charAt(0)) && !Character.isHighSurrogate(w.charAt(w.length() - 1)),
                        p + " cut a surrogate pair: " + words);
            }
        }
    }
}
