package org.llmexplorer.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How a BPE vocabulary cuts text into words before merging, chosen by {@code tokenizer.ggml.pre}: the regular
 * expressions llama.cpp gives each pre-tokenizer type, applied as its {@code unicode_regex_split} applies them. The
 * text starts as one piece; each expression in turn cuts every piece into its matches (leftmost first, as a
 * backtracking engine finds them) and the runs of text between matches, which are kept as pieces of their own.
 *
 * <p>The expressions are llama.cpp's own strings; {@link #compile} gives them llama.cpp's meaning in Java:
 * <ul>
 *   <li>{@code \p{L} \p{N} \p{P} \p{M} \p{S}} are Unicode general categories (letter, number, punctuation, mark,
 *       symbol), as in llama.cpp's code-point table; one exception: llama.cpp matches ASCII against its own lists
 *       there, and its symbol list leaves out {@code ~}, so {@code ~} is in no category (only the deepseek-v3
 *       expression uses {@code \p{S}});</li>
 *   <li>{@code \s} is Unicode White_Space (ASCII tab to carriage return, space, U+0085, NBSP, the Unicode spaces and
 *       line/paragraph separators), what llama.cpp gets by turning every non-ASCII whitespace character into a
 *       vertical tab before {@code std::regex} sees it; {@code \S} is its complement;</li>
 *   <li>case-insensitive parts are written out ({@code '[sS]}); {@code (?i)} in Java would fold ASCII only, as here.</li>
 * </ul>
 * llama.cpp runs the GPT-2 and Llama 3 expressions through hand-written matchers that give the same cuts (including
 * the trailing {@code \s+} the GPT-2 string leaves out: an unmatched single whitespace character becomes a piece of
 * its own here too; checked against a port of those matchers on random text). llama.cpp's category table was
 * generated from Unicode 15, Java 25's is Unicode 16: the characters first assigned in Unicode 16 have their
 * category here but none there (which counts as neither letter, number, punctuation, mark nor symbol).
 */
enum PreTokenizer {
    /** llama.cpp's fallback for a vocabulary that names no (or the {@code default}) pre-tokenizer. */
    DEFAULT(names("default"), false, false,
            "[\\p{P}\\$\\+<=>\\^~\\|]+", Expr.GPT2, "\\p{N}+", "[0-9][0-9][0-9]"),
    /** Llama 3: digits in threes, case-insensitive contractions; whole words that are tokens skip merging. */
    LLAMA3(names("llama3", "llama-v3", "llama-bpe", "falcon3"), true, true, Expr.LLAMA3),
    /** The Llama 3 expression without its BOS and merge-skipping defaults. */
    DBRX(names("dbrx", "smaug-bpe"), false, false, Expr.LLAMA3),
    /** Qwen 2 and 3: as Llama 3 but every digit alone. */
    QWEN2(names("qwen2", "deepseek-r1-qwen", "megrez", "stablelm2"), false, false, Expr.QWEN2),
    GPT2(names("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "mpt", "olmo", "jais"),
            false, false, Expr.GPT2),
    /** GPT-2 with every digit alone. */
    SMOLLM(names("smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"), false, false,
            "\\p{N}", Expr.GPT2),
    FALCON(names("falcon"), false, false, "[\\p{P}\\$\\+<=>\\^~\\|`]+", Expr.GPT2, "[0-9][0-9][0-9]"),
    /** DeepSeek V3: digits in threes, runs of CJK ideographs and kana, then punctuation-led ASCII words. */
    DEEPSEEK3(names("deepseek-v3"), false, false,
            "\\p{N}{1,3}",
            "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
                    + "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"),
    /**
     * GPT-4o and Llama 4 (o200k), as llama.cpp writes it for {@code std::regex}: an upper-case run is a letter
     * that is not {@code a-z}, a lower-case run one that is not {@code A-Z} (so non-ASCII letters count as both and
     * marks as neither), contractions attach to the word before them.
     */
    GPT4O(names("gpt-4o", "llama4"), false, false,
            "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+" + Expr.CONTRACTION + "?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*" + Expr.CONTRACTION + "?"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");

    /** llama.cpp's expressions shared by several types. */
    private static final class Expr {
        static final String CONTRACTION = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
        static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
        static final String LLAMA3 = CONTRACTION + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
        static final String QWEN2 = CONTRACTION + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    }

    private static final String WHITESPACE = "\\p{IsWhite_Space}";
    private static final String NOT_WHITESPACE = "\\P{IsWhite_Space}";
    private static final String SYMBOL = "[\\p{S}&&[^~]]";

    private final List<String> names;
    private final boolean addsBos;
    private final boolean ignoresMerges;
    private final List<Pattern> patterns;

    PreTokenizer(List<String> names, boolean addsBos, boolean ignoresMerges, String... expressions) {
        this.names = names;
        this.addsBos = addsBos;
        this.ignoresMerges = ignoresMerges;
        this.patterns = Arrays.stream(expressions).map(PreTokenizer::compile).toList();
    }

    private static List<String> names(String... names) {
        return List.of(names);
    }

    /** The pre-tokenizer a {@code tokenizer.ggml.pre} value names; a file without one gets {@link #DEFAULT}. */
    static Optional<PreTokenizer> named(String name) {
        if (name == null || name.isEmpty()) {
            return Optional.of(DEFAULT);
        }
        return Arrays.stream(values()).filter(p -> p.names.contains(name)).findFirst();
    }

    /** Every {@code tokenizer.ggml.pre} value understood here, comma-separated. */
    static String supportedNames() {
        return Arrays.stream(values()).flatMap(p -> p.names.stream()).collect(Collectors.joining(", "));
    }

    /** Whether BOS is added when the file has no {@code tokenizer.ggml.add_bos_token}. */
    boolean addsBos() {
        return addsBos;
    }

    /** Whether a word that is a token as a whole becomes that token without merging (llama.cpp's ignore_merges). */
    boolean ignoresMerges() {
        return ignoresMerges;
    }

    /** llama.cpp's expression as a Java pattern with llama.cpp's meaning of {@code \s}, {@code \S}, {@code \p{S}}. */
    static Pattern compile(String expression) {
        StringBuilder java = new StringBuilder();
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (c != '\\' || i + 1 == expression.length()) {
                java.append(c);
                continue;
            }
            char next = expression.charAt(++i);
            if (next == 's') {
                java.append(WHITESPACE);
            } else if (next == 'S') {
                java.append(NOT_WHITESPACE);
            } else if (expression.startsWith("p{S}", i)) {
                java.append(SYMBOL);
                i += 3;
            } else {
                java.append(c).append(next);
            }
        }
        return Pattern.compile(java.toString());
    }

    /** The words of a text, in order; together they are the text. */
    List<String> split(String text) {
        int[] ends = text.isEmpty() ? new int[0] : new int[] {text.length()};
        for (Pattern pattern : patterns) {
            ends = cut(text, ends, pattern.matcher(text));
        }
        List<String> words = new ArrayList<>(ends.length);
        int start = 0;
        for (int end : ends) {
            words.add(text.substring(start, end));
            start = end;
        }
        return words;
    }

    /** Every piece (given by where it ends) cut into its matches and the text between them. */
    private static int[] cut(String text, int[] ends, Matcher matcher) {
        int[] out = new int[Math.max(16, ends.length * 2)];
        int n = 0;
        int start = 0;
        for (int end : ends) {
            matcher.region(start, end); // the piece is all the matcher sees: lookahead stops at its end
            int at = start;
            while (matcher.find()) {
                if (out.length < n + 2) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                if (matcher.start() > at) {
                    out[n++] = matcher.start();
                }
                out[n++] = matcher.end();
                at = matcher.end();
            }
            if (at < end) {
                if (out.length < n + 1) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                out[n++] = end;
            }
            start = end;
        }
        return Arrays.copyOf(out, n);
    }
}
