package org.llmexplorer.engine.attention;

import java.util.ArrayList;
import java.util.List;

/**
 * Which mask each attention head of each layer runs under.
 *
 * <p>Written as text: entries separated by {@code ;}, each {@code [selector@]mask}, where the
 * selector names layers and/or heads: {@code L0-3}, {@code L8-}, {@code H0}, {@code Heven},
 * {@code L0-5Hodd}. Later entries win; positions no entry covers keep the base plan (the
 * model's own mask). Examples:
 * <pre>
 *   sliding:w=32                               every layer and head
 *   L0-7@sliding:w=64;L8-@causal               local in the shallow layers, global in the deep ones
 *   strided:l=8,head=split                     row pattern on even heads, column pattern on odd ones
 * </pre>
 */
public final class MaskPlan {
    private final List<Rule> rules;
    private final MaskPlan base;
    private final String spec;

    /** One entry: ranges of layers and heads, and the mask they get (by head parity for head=split). */
    private record Rule(Range layers, Range heads, AttentionMask even, AttentionMask odd, String text) {
        boolean covers(int layer, int head) {
            return layers.contains(layer) && heads.contains(head);
        }
    }

    /** An inclusive range of indices, or every even / odd index. */
    private record Range(int from, int to, int parity) {
        static final Range ALL = new Range(0, Integer.MAX_VALUE, -1);

        boolean contains(int i) {
            return i >= from && i <= to && (parity < 0 || i % 2 == parity);
        }

        static Range parse(String s, String what) {
            switch (s) {
                case "*", "" -> {
                    return ALL;
                }
                case "even" -> {
                    return new Range(0, Integer.MAX_VALUE, 0);
                }
                case "odd" -> {
                    return new Range(0, Integer.MAX_VALUE, 1);
                }
                default -> {
                    try {
                        int dash = s.indexOf('-');
                        if (dash < 0) {
                            int v = Integer.parseInt(s);
                            return new Range(v, v, -1);
                        }
                        int from = Integer.parseInt(s.substring(0, dash));
                        int to = dash == s.length() - 1 ? Integer.MAX_VALUE : Integer.parseInt(s.substring(dash + 1));
                        if (to < from) {
                            throw new IllegalArgumentException(what + " range " + s + " is empty");
                        }
                        return new Range(from, to, -1);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(what + " must be N, N-M, N-, even, odd or *, got '" + s + "'");
                    }
                }
            }
        }
    }

    private MaskPlan(List<Rule> rules, MaskPlan base, String spec) {
        this.rules = rules;
        this.base = base;
        this.spec = spec;
    }

    /** The same mask everywhere. */
    public static MaskPlan everywhere(AttentionMask mask) {
        return new MaskPlan(List.of(new Rule(Range.ALL, Range.ALL, mask, mask, mask.spec())), null, mask.spec());
    }

    /** Causal attention everywhere: what a decoder-only model was trained with. */
    public static MaskPlan causal() {
        return everywhere(new CausalMask());
    }

    /** Parses a plan; layers and heads no entry covers keep {@code base}'s masks. */
    public static MaskPlan parse(String text, MaskPlan base) {
        List<Rule> rules = new ArrayList<>();
        for (String entry : text.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            String e = entry.trim();
            Range layers = Range.ALL;
            Range heads = Range.ALL;
            int at = e.indexOf('@');
            if (at >= 0) {
                String selector = e.substring(0, at).trim();
                e = e.substring(at + 1).trim();
                int h = selector.indexOf('H');
                String l = h < 0 ? selector : selector.substring(0, h);
                if (!l.isEmpty()) {
                    if (!l.startsWith("L")) {
                        throw new IllegalArgumentException("selector '" + selector + "' should look like L0-3, H2 or L0-3Hodd");
                    }
                    layers = Range.parse(l.substring(1), "layers");
                }
                if (h >= 0) {
                    heads = Range.parse(selector.substring(h + 1), "heads");
                }
            }
            rules.add(new Rule(layers, heads, MaskSpec.parse(e, 0), MaskSpec.parse(e, 1), entry.trim()));
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("empty mask plan");
        }
        return new MaskPlan(List.copyOf(rules), base, text.trim());
    }

    /** The mask of one head of one layer. */
    public AttentionMask mask(int layer, int head) {
        for (int i = rules.size() - 1; i >= 0; i--) {
            Rule r = rules.get(i);
            if (r.covers(layer, head)) {
                return head % 2 == 0 ? r.even : r.odd;
            }
        }
        if (base == null) {
            throw new IllegalStateException("no mask for layer " + layer + " head " + head + " in '" + spec + "'");
        }
        return base.mask(layer, head);
    }

    /** Whether any head of a model of this size may look at later positions. */
    public boolean looksAhead(int layers, int heads) {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                if (mask(l, h).looksAhead()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether every head runs plain causal attention. */
    public boolean isCausal(int layers, int heads) {
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                if (!(mask(l, h) instanceof CausalMask)) {
                    return false;
                }
            }
        }
        return true;
    }

    public String spec() {
        return spec;
    }

    @Override
    public String toString() {
        return spec;
    }
}
