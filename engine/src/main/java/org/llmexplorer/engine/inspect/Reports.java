package org.llmexplorer.engine.inspect;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * The deeper views' results as plain maps and lists, for JSON (the command line's {@code --json}
 * and the window's exports write the same fields). Layers count from 0 at the input, as the model does.
 */
public final class Reports {
    private Reports() {
    }

    /** A token's text for grids and reports: control tokens written out, line breaks shown as \\n. */
    public static IntFunction<String> labels(org.llmexplorer.engine.tokenizer.Tokenizer tokenizer) {
        return id -> new String(tokenizer.piece(id, true), java.nio.charset.StandardCharsets.UTF_8).replace("\n", "\\n");
    }

    public static Map<String, Object> lens(LogitLens lens, IntFunction<String> label) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", tokens(lens.tokens(), label));
        List<Object> layers = new ArrayList<>();
        for (int l = 0; l < lens.layers(); l++) {
            List<Object> positions = new ArrayList<>();
            for (int p = 0; p < lens.tokens().length; p++) {
                Map<String, Object> cell = new LinkedHashMap<>();
                cell.put("entropy_bits", lens.entropy()[l][p]);
                cell.put("top", top(lens.top()[l][p], label));
                positions.add(cell);
            }
            layers.add(Map.of("layer", l, "positions", positions));
        }
        m.put("layers", layers);
        return m;
    }

    public static Map<String, Object> comparison(KnockOut.Comparison c, IntFunction<String> label) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("knocked_out", Grids.describe(c.spec()));
        m.put("heads", c.spec().heads().stream().map(KnockOut.Head::toString).toList());
        m.put("mlps", c.spec().mlps());
        m.put("mode", c.spec().mode().name().toLowerCase(java.util.Locale.ROOT));
        m.put("kl_bits", c.klBits());
        m.put("intact", top(c.intact(), label));
        m.put("knocked", top(c.knocked(), label));
        m.put("intact_continuation", text(c.intactContinuation(), label));
        m.put("knocked_continuation", text(c.knockedContinuation(), label));
        return m;
    }

    public static Map<String, Object> sweep(KnockOut.Sweep s, IntFunction<String> label) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", token(s.target(), label));
        m.put("intact_p", s.intactP());
        m.put("mode", s.mode().name().toLowerCase(java.util.Locale.ROOT));
        m.put("knocked_p", s.knockedP());
        List<Object> ranking = new ArrayList<>();
        for (KnockOut.Head h : s.ranking()) {
            ranking.add(Map.of("head", h.toString(), "drop", s.drop(h.layer(), h.head())));
        }
        m.put("ranking", ranking);
        return m;
    }

    public static Map<String, Object> patching(Patching.Baseline b, int[] clean, int[] corrupted, Object recovered,
                                               IntFunction<String> label) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clean", tokens(clean, label));
        m.put("corrupted", tokens(corrupted, label));
        m.put("answer", token(b.answer(), label));
        m.put("foil", token(b.foil(), label));
        m.put("measure", b.answer() == b.foil() ? "probability of the answer" : "logit of answer - logit of foil");
        m.put("clean_measure", b.clean());
        m.put("corrupted_measure", b.corrupted());
        m.put("clean_p", b.cleanP());
        m.put("corrupted_p", b.corruptedP());
        m.put("recovered", recovered);
        return m;
    }

    public static Map<String, Object> readings(Readings r, IntFunction<String> label) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", tokens(r.tokens(), label));
        m.put("entropy_bits", r.entropy());
        m.put("residual_norm", r.residualNorm());
        m.put("head_entropy_bits", r.headEntropy());
        m.put("head_first_share", r.firstShare());
        m.put("head_previous_share", r.previousShare());
        m.put("head_self_share", r.selfShare());
        m.put("head_induction_share", r.inductionShare());
        return m;
    }

    private static List<Object> top(TokenProbability[] top, IntFunction<String> label) {
        List<Object> list = new ArrayList<>();
        for (TokenProbability t : top) {
            Map<String, Object> e = token(t.id(), label);
            e.put("p", t.p());
            list.add(e);
        }
        return list;
    }

    private static Map<String, Object> token(int id, IntFunction<String> label) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("text", label.apply(id));
        return e;
    }

    private static List<Object> tokens(int[] ids, IntFunction<String> label) {
        List<Object> list = new ArrayList<>();
        for (int id : ids) {
            list.add(token(id, label));
        }
        return list;
    }

    private static String text(int[] ids, IntFunction<String> label) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(label.apply(id));
        }
        return sb.toString();
    }
}
