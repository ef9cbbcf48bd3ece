package org.llmexplorer.engine.attention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Masks written as text, the way the command line and saved settings name them:
 * {@code name[:param=value,...]}, e.g. {@code sliding:w=32}, {@code strided:l=8,head=row},
 * {@code fixed:l=16,c=4}, {@code prefix:p=12}, {@code bigbird:w=16,global=0+7,r=4,seed=1}.
 * Lists of positions are joined with {@code +} (or {@code ;}).
 */
public final class MaskSpec {

    /** Every mask name, with the parameters it accepts. */
    public static final Map<String, List<String>> PARAMETERS = new LinkedHashMap<>();

    static {
        PARAMETERS.put("global", List.of());
        PARAMETERS.put("causal", List.of());
        PARAMETERS.put("sliding", List.of("w", "causal"));
        PARAMETERS.put("dilated", List.of("w", "d", "causal"));
        PARAMETERS.put("random", List.of("r", "seed", "causal"));
        PARAMETERS.put("strided", List.of("l", "head"));
        PARAMETERS.put("fixed", List.of("l", "c", "head"));
        PARAMETERS.put("prefix", List.of("p"));
        PARAMETERS.put("longformer", List.of("w", "global", "causal"));
        PARAMETERS.put("bigbird", List.of("w", "global", "r", "seed", "causal"));
    }

    private MaskSpec() {
    }

    /** Parses a single mask. {@code head=split} is refused here: it belongs to a {@link MaskPlan}. */
    public static AttentionMask parse(String spec) {
        AttentionMask m = parse(spec, 0);
        if (spec.contains("head=split")) {
            throw new IllegalArgumentException("head=split gives the two patterns to alternating heads; for one "
                    + "matrix choose head=row, head=column or head=union");
        }
        return m;
    }

    /** Parses a mask as seen by one head ({@code head=split} resolved by the head's parity). */
    public static AttentionMask parse(String spec, int head) {
        String s = spec.trim();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).trim().toLowerCase();
        Map<String, String> p = params(colon < 0 ? "" : s.substring(colon + 1), name);
        return switch (name) {
            case "global" -> new GlobalMask();
            case "causal" -> new CausalMask();
            case "sliding" -> new SlidingWindowMask(integer(p, "w", null, name), bool(p, "causal", true));
            case "dilated" -> new DilatedWindowMask(integer(p, "w", null, name), integer(p, "d", null, name),
                    bool(p, "causal", true));
            case "random" -> new RandomMask(integer(p, "r", null, name), seed(p), bool(p, "causal", false));
            case "strided" -> new StridedMask(integer(p, "l", null, name), pattern(p, head));
            case "fixed" -> new FixedMask(integer(p, "l", null, name), integer(p, "c", null, name), pattern(p, head));
            case "prefix" -> new PrefixMask(integer(p, "p", null, name));
            case "longformer" -> new LongformerMask(integer(p, "w", null, name), positions(p), bool(p, "causal", false));
            case "bigbird" -> new BigBirdMask(integer(p, "w", null, name), positions(p), integer(p, "r", null, name),
                    seed(p), bool(p, "causal", false));
            default -> throw new IllegalArgumentException("unknown mask '" + name + "' (known: "
                    + String.join(", ", PARAMETERS.keySet()) + ")");
        };
    }

    private static Map<String, String> params(String text, String name) {
        Map<String, String> p = new LinkedHashMap<>();
        List<String> allowed = PARAMETERS.get(name);
        if (allowed == null) {
            throw new IllegalArgumentException("unknown mask '" + name + "' (known: "
                    + String.join(", ", PARAMETERS.keySet()) + ")");
        }
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(name + ": parameter '" + part + "' should be written name=value");
            }
            String key = part.substring(0, eq).trim();
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException(name + " takes " + (allowed.isEmpty() ? "no parameters"
                        : "parameters " + String.join(", ", allowed)) + ", not '" + key + "'");
            }
            p.put(key, part.substring(eq + 1).trim());
        }
        return p;
    }

    private static int integer(Map<String, String> p, String key, Integer fallback, String name) {
        String v = p.get(key);
        if (v == null) {
            if (fallback == null) {
                throw new IllegalArgumentException(name + " needs " + key + "=N");
            }
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + key + " must be a whole number, got '" + v + "'");
        }
    }

    private static long seed(Map<String, String> p) {
        String v = p.getOrDefault("seed", "0");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seed must be a whole number, got '" + v + "'");
        }
    }

    private static boolean bool(Map<String, String> p, String key, boolean fallback) {
        String v = p.get(key);
        if (v == null) {
            return fallback;
        }
        if (!Set.of("true", "false").contains(v)) {
            throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static SparsePattern pattern(Map<String, String> p, int head) {
        return SparsePattern.parse(p.getOrDefault("head", "union")).forHead(head);
    }

    private static int[] positions(Map<String, String> p) {
        String v = p.get("global");
        if (v == null || v.isBlank()) {
            return new int[0];
        }
        String[] parts = v.split("[+;]");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("global must list positions joined with '+', got '" + v + "'");
            }
        }
        return out;
    }
}
