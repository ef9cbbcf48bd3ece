package org.llmexplorer.engine.attention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The masks as a person picks them: a title, one sentence on what each does and where it comes
 * from, and its parameters with their ranges, so that a user interface can offer a control per
 * parameter and write the {@link MaskSpec} text (and read it back).
 */
public final class MaskCatalogue {

    public enum ParamKind { INT, BOOL, CHOICE, POSITIONS }

    /**
     * One parameter of a mask.
     *
     * @param key          as written in the spec ({@code w}, {@code causal}, ...)
     * @param defaultValue the value a new mask starts with; for BOOL and CHOICE also the value
     *                     the spec may leave out
     */
    public record Param(String key, String label, ParamKind kind, int min, int max, String defaultValue,
                        List<String> choices, String help) {
    }

    /** A mask kind and its parameters in spec order. */
    public record Kind(String name, String title, String description, List<Param> params) {

        /** The spec text for these values (missing values take their defaults; defaults of switches are left out). */
        public String spec(Map<String, String> values) {
            StringBuilder sb = new StringBuilder(name);
            String sep = ":";
            for (Param p : params) {
                String v = values.getOrDefault(p.key(), p.defaultValue());
                boolean optional = p.kind() == ParamKind.BOOL || p.kind() == ParamKind.CHOICE;
                if (v == null || v.isBlank() || optional && v.equals(p.defaultValue())) {
                    continue;
                }
                sb.append(sep).append(p.key()).append('=').append(v.trim());
                sep = ",";
            }
            return sb.toString();
        }

        /** The default value of every parameter. */
        public Map<String, String> defaults() {
            Map<String, String> m = new LinkedHashMap<>();
            for (Param p : params) {
                m.put(p.key(), p.defaultValue());
            }
            return m;
        }
    }

    /** A spec read back: its kind and every parameter's value (defaults filled in). */
    public record Reading(Kind kind, Map<String, String> values) {
    }

    private static final List<String> PATTERNS = List.of("union", "row", "column", "split");
    private static final Param CAUSAL_ON = new Param("causal", "causal", ParamKind.BOOL, 0, 1, "true", List.of(),
            "only look back (j <= i)");
    private static final Param CAUSAL_OFF = new Param("causal", "causal", ParamKind.BOOL, 0, 1, "false", List.of(),
            "only look back (j <= i)");
    private static final Param SEED = new Param("seed", "seed", ParamKind.INT, 0, 9999, "1", List.of(),
            "the random draw: the same seed gives the same keys");
    private static final Param GLOBAL = new Param("global", "global tokens", ParamKind.POSITIONS, 0, 0, "0", List.of(),
            "positions that see and are seen by every position, joined with +");
    private static final Param HEAD = new Param("head", "heads", ParamKind.CHOICE, 0, 0, "union", PATTERNS,
            "row pattern, column pattern, both, or split: row on even heads, column on odd");

    private static final List<Kind> ALL = List.of(
            new Kind("causal", "Causal",
                    "Each token sees itself and every token before it: how GPT-style decoders, llama among them, "
                            + "are trained.", List.of()),
            new Kind("global", "Global (bidirectional)",
                    "Every token sees every token, later ones too, as in BERT's encoder; a decoder run this way "
                            + "can peek at what it is asked to predict.", List.of()),
            new Kind("sliding", "Sliding window",
                    "Each token sees only the last w tokens, itself included: the local attention of Mistral and "
                            + "of Gemma 2's local layers (bidirectional: w/2 on each side, as in Longformer).",
                    List.of(new Param("w", "window", ParamKind.INT, 1, 512, "8", List.of(), "how many tokens a query sees"),
                            CAUSAL_ON)),
            new Kind("dilated", "Dilated window",
                    "A sliding window with gaps: w keys, d positions apart, reaching w*d tokens back with the cost of w "
                            + "(Longformer's dilated heads, Beltagy et al. 2020).",
                    List.of(new Param("w", "window", ParamKind.INT, 1, 256, "4", List.of(), "how many keys"),
                            new Param("d", "dilation", ParamKind.INT, 1, 64, "2", List.of(), "distance between keys"),
                            CAUSAL_ON)),
            new Kind("strided", "Strided (Sparse Transformer)",
                    "One head looks at the last l tokens, the other at every l-th token back: the strided pattern of "
                            + "Child et al. 2019, made for data with a period such as images.",
                    List.of(new Param("l", "stride", ParamKind.INT, 1, 256, "4", List.of(), "the period l"), HEAD)),
            new Kind("fixed", "Fixed (Sparse Transformer)",
                    "Tokens see their own block of l, plus the last c tokens of every earlier block, which summarise "
                            + "it: the fixed pattern of Child et al. 2019, made for text.",
                    List.of(new Param("l", "block", ParamKind.INT, 1, 256, "8", List.of(), "block length l"),
                            new Param("c", "summary", ParamKind.INT, 1, 256, "2", List.of(),
                                    "summary tokens at the end of each block"), HEAD)),
            new Kind("prefix", "Prefix LM",
                    "The first p tokens see each other in both directions, the rest causally: the non-causal prefix "
                            + "of UniLM (Dong et al. 2019) and T5's prefix-LM.",
                    List.of(new Param("p", "prefix length", ParamKind.INT, 0, 512, "8", List.of(),
                            "tokens that attend both ways"))),
            new Kind("longformer", "Longformer",
                    "A window of w plus a few global tokens that see and are seen by every token (Beltagy et al. 2020).",
                    List.of(new Param("w", "window", ParamKind.INT, 1, 512, "8", List.of(), "window size"), GLOBAL,
                            CAUSAL_OFF)),
            new Kind("bigbird", "BigBird",
                    "Longformer's window and global tokens plus r random keys per query (Zaheer et al. 2020): "
                            + "sparse, yet any two tokens are few hops apart.",
                    List.of(new Param("w", "window", ParamKind.INT, 1, 512, "8", List.of(), "window size"), GLOBAL,
                            new Param("r", "random keys", ParamKind.INT, 0, 64, "2", List.of(), "random keys per query"),
                            SEED, CAUSAL_OFF)),
            new Kind("random", "Random",
                    "Each query sees r keys drawn at random, the same ones for the same seed: BigBird's random part "
                            + "alone, a baseline for the structured masks.",
                    List.of(new Param("r", "keys", ParamKind.INT, 1, 64, "4", List.of(), "keys per query"), SEED,
                            CAUSAL_OFF)));

    private MaskCatalogue() {
    }

    public static List<Kind> all() {
        return ALL;
    }

    public static Optional<Kind> kind(String name) {
        return ALL.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /**
     * Reads a single mask's spec into its kind and values; empty for a per-layer plan (selectors,
     * several entries) or text that is not a valid mask.
     */
    public static Optional<Reading> read(String spec) {
        if (spec == null || spec.isBlank() || spec.contains(";") || spec.contains("@")) {
            return Optional.empty();
        }
        String s = spec.trim();
        try {
            MaskPlan.parse(s, MaskPlan.causal()); // valid as a plan (head=split allowed)
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = s.indexOf(':');
        Optional<Kind> kind = kind((colon < 0 ? s : s.substring(0, colon)).trim().toLowerCase());
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> values = kind.get().defaults();
        if (colon >= 0) {
            for (String part : s.substring(colon + 1).split(",")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    values.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
                }
            }
        }
        return Optional.of(new Reading(kind.get(), values));
    }
}
