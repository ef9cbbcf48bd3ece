package org.llmexplorer.engine.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * The grids of the deeper views, made from their results: one place that says what each view
 * shows in rows, columns, colours and words, for the window, the PNG and CSV exports alike.
 * Layers run top down from the last, so the model's own answer is the first row.
 */
public final class Grids {
    private Grids() {
    }

    /** The head readings a grid can show, layers by heads. */
    public enum HeadReading { ENTROPY, FIRST, PREVIOUS, SELF, INDUCTION }

    /** Logit lens: layers by positions, the lens's answer in each cell, coloured by its probability. */
    public static Grid lens(LogitLens lens, IntFunction<String> label) {
        int layers = lens.layers();
        int n = lens.tokens().length;
        double[][] v = new double[layers][n];
        String[][] t = new String[layers][n];
        for (int r = 0; r < layers; r++) {
            int l = layers - 1 - r;
            for (int p = 0; p < n; p++) {
                TokenProbability a = lens.answer(l, p);
                v[r][p] = a.p();
                t[r][p] = label.apply(a.id());
            }
        }
        return new Grid("logit lens: most probable next token after each layer", layerRows(layers, "output"),
                columns(lens.tokens(), label), v, t, 0, 1, false);
    }

    /** The intact and knocked-out model's top tokens side by side: ranks by the two runs. */
    public static Grid comparison(KnockOut.Comparison c, IntFunction<String> label) {
        int n = Math.max(c.intact().length, c.knocked().length);
        double[][] v = new double[n][2];
        String[][] t = new String[n][2];
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add("#" + (i + 1));
            fill(v, t, i, 0, i < c.intact().length ? c.intact()[i] : null, label);
            fill(v, t, i, 1, i < c.knocked().length ? c.knocked()[i] : null, label);
        }
        return new Grid(String.format(Locale.ROOT, "next token, intact and with %s off (%s): KL %.3f bits",
                describe(c.spec()), c.spec().mode().name().toLowerCase(Locale.ROOT), c.klBits()),
                rows, List.of("intact", "knocked out"), v, t, 0, 1, false);
    }

    private static void fill(double[][] v, String[][] t, int r, int c, TokenProbability p, IntFunction<String> label) {
        v[r][c] = p == null ? Double.NaN : p.p();
        t[r][c] = p == null ? "" : String.format(Locale.ROOT, "%s %.3f", label.apply(p.id()), p.p());
    }

    /** What a knock-out switches off, in words: "heads 0.2, 1.3 and the MLP of layer 4". */
    public static String describe(KnockOut.Spec spec) {
        List<String> parts = new ArrayList<>();
        if (!spec.heads().isEmpty()) {
            parts.add((spec.heads().size() == 1 ? "head " : "heads ")
                    + String.join(", ", spec.heads().stream().map(KnockOut.Head::toString).toList()));
        }
        if (!spec.mlps().isEmpty()) {
            parts.add("the MLP of layer" + (spec.mlps().size() == 1 ? " " : "s ")
                    + String.join(", ", spec.mlps().stream().map(String::valueOf).toList()));
        }
        return parts.isEmpty() ? "nothing" : String.join(" and ", parts);
    }

    /** Head importance: layers by heads, the drop of the target's probability when the head is off. */
    public static Grid sweep(KnockOut.Sweep s, IntFunction<String> label) {
        int layers = s.knockedP().length;
        int heads = layers == 0 ? 0 : s.knockedP()[0].length;
        double[][] v = new double[layers][heads];
        String[][] t = new String[layers][heads];
        double max = 0;
        for (int r = 0; r < layers; r++) {
            int l = layers - 1 - r;
            for (int h = 0; h < heads; h++) {
                v[r][h] = s.drop(l, h);
                t[r][h] = String.format(Locale.ROOT, "%+.3f", v[r][h]);
                max = Math.max(max, Math.abs(v[r][h]));
            }
        }
        return new Grid(String.format(Locale.ROOT, "drop of p(%s) = %.3f when each head is knocked out (%s)",
                label.apply(s.target()), s.intactP(), s.mode().name().toLowerCase(Locale.ROOT)),
                layerRows(layers, null), headColumns(heads), v, t, -max, max, true);
    }

    /** Activation patching: layers by positions, the share of the clean answer recovered. */
    public static Grid patching(Patching.Sweep s, int[] cleanTokens, IntFunction<String> label) {
        int layers = s.recovered().length;
        int n = cleanTokens.length;
        double[][] v = new double[layers][n];
        String[][] t = new String[layers][n];
        for (int r = 0; r < layers; r++) {
            for (int p = 0; p < n; p++) {
                v[r][p] = s.recovered()[layers - 1 - r][p];
                t[r][p] = Math.round(100 * v[r][p]) + "%";
            }
        }
        Patching.Baseline b = s.baseline();
        String measure = b.answer() == b.foil() ? "p(" + label.apply(b.answer()) + ")"
                : "logit " + label.apply(b.answer()) + " - " + label.apply(b.foil());
        return new Grid("share of the clean answer recovered by patching there (" + measure + ")",
                layerRows(layers, null), columns(cleanTokens, label), v, t, -1, 1, true);
    }

    /** The residual stream's norm, layers by positions. */
    public static Grid residualNorms(Readings r, IntFunction<String> label) {
        int layers = r.residualNorm().length;
        int n = r.tokens().length;
        double[][] v = new double[layers][n];
        String[][] t = new String[layers][n];
        double max = 0;
        for (int row = 0; row < layers; row++) {
            for (int p = 0; p < n; p++) {
                v[row][p] = r.residualNorm()[layers - 1 - row][p];
                t[row][p] = String.format(Locale.ROOT, "%.1f", v[row][p]);
                max = Math.max(max, v[row][p]);
            }
        }
        return new Grid("norm of the residual stream after each layer", layerRows(layers, null),
                columns(r.tokens(), label), v, t, 0, max, false);
    }

    /** The prediction entropy along the text: one row, a cell per position. */
    public static Grid entropy(Readings r, IntFunction<String> label) {
        int n = r.tokens().length;
        double[][] v = {r.entropy().clone()};
        String[][] t = new String[1][n];
        double max = 0;
        for (int p = 0; p < n; p++) {
            t[0][p] = String.format(Locale.ROOT, "%.2f", v[0][p]);
            max = Math.max(max, v[0][p]);
        }
        return new Grid("entropy of the next-token prediction, bits", List.of("entropy"), columns(r.tokens(), label),
                v, t, 0, max, false);
    }

    /** One reading of every head, layers by heads. */
    public static Grid heads(Readings r, HeadReading which) {
        double[][] src = switch (which) {
            case ENTROPY -> r.headEntropy();
            case FIRST -> r.firstShare();
            case PREVIOUS -> r.previousShare();
            case SELF -> r.selfShare();
            case INDUCTION -> r.inductionShare();
        };
        int layers = src.length;
        int heads = layers == 0 ? 0 : src[0].length;
        double[][] v = new double[layers][heads];
        String[][] t = new String[layers][heads];
        double max = which == HeadReading.ENTROPY ? 0 : 1;
        for (int row = 0; row < layers; row++) {
            for (int h = 0; h < heads; h++) {
                v[row][h] = src[layers - 1 - row][h];
                t[row][h] = String.format(Locale.ROOT, "%.2f", v[row][h]);
                max = Math.max(max, v[row][h]);
            }
        }
        String title = switch (which) {
            case ENTROPY -> "attention entropy of each head, bits (low: it looks at few tokens)";
            case FIRST -> "share of attention on the first token (an attention sink)";
            case PREVIOUS -> "share of attention on the previous token (previous-token heads)";
            case SELF -> "share of attention on the token itself";
            case INDUCTION -> "share of attention on what followed the token's earlier occurrences (induction heads)";
        };
        return new Grid(title, layerRows(layers, null), headColumns(heads), v, t, 0, max, false);
    }

    /** Rows for layers, the last first; the last one named when it is the model's output. */
    private static List<String> layerRows(int layers, String lastName) {
        List<String> rows = new ArrayList<>();
        for (int l = layers - 1; l >= 0; l--) {
            rows.add("L" + l + (l == layers - 1 && lastName != null ? " (" + lastName + ")" : ""));
        }
        return rows;
    }

    private static List<String> headColumns(int heads) {
        List<String> cols = new ArrayList<>();
        for (int h = 0; h < heads; h++) {
            cols.add("H" + h);
        }
        return cols;
    }

    private static List<String> columns(int[] tokens, IntFunction<String> label) {
        List<String> cols = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            cols.add(i + " " + label.apply(tokens[i]));
        }
        return cols;
    }

    /** The row of a grid made by this class that shows a layer. */
    public static int rowOfLayer(int layers, int layer) {
        return layers - 1 - layer;
    }
}
