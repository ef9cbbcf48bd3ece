package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.MaskSpec;

/** {@code llmx mask}: the connectivity matrix of an attention mask. */
final class MaskCommand implements Command {
    @Override
    public String name() {
        return "mask";
    }

    @Override
    public String usage() {
        StringBuilder names = new StringBuilder();
        MaskSpec.PARAMETERS.forEach((k, v) -> names.append("                    ").append(k)
                .append(v.isEmpty() ? "" : "  (" + String.join(", ", v) + ")").append('\n'));
        return """
                mask --type T --n N [--param k=v ...] [--json]   the connectivity matrix of a mask (row = query, column = key)
                  --type T       the mask:
                %s  --param k=v    a parameter (repeat the option for several): w window, d dilation, r random keys,
                                 seed, l stride or block, c summary cells, p prefix length, global positions
                                 joined with +, causal=true|false, head=row|column|union (default union)
                  --n N          positions (default 16)
                  --json         print {"n": N, "matrix": [[0/1, ...], ...]}

                In generate, bench and attention, --mask takes a spec (type:k=v,k=v) or a plan of entries
                separated by ';', each [L<layers>][H<heads>]@spec, e.g. "L0-7@sliding:w=64;L8-@causal" or
                "strided:l=8,head=split" (row pattern on even heads, column on odd heads).""".formatted(names);
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("type", "n", "param"), Set.of("json"));
        String spec = args.required("type") + (args.all("param").isEmpty() ? "" : ":" + String.join(",", args.all("param")));
        AttentionMask mask = MaskSpec.parse(spec);
        int n = args.integer("n", 16);
        if (n < 1 || n > 8192) {
            throw new UsageException("--n must be in 1..8192");
        }
        boolean[][] m = mask.matrix(n);
        int ones = 0;
        List<int[]> rows = new ArrayList<>();
        for (boolean[] row : m) {
            int[] r = new int[n];
            for (int j = 0; j < n; j++) {
                r[j] = row[j] ? 1 : 0;
                ones += r[j];
            }
            rows.add(r);
        }
        if (args.flag("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("n", n);
            json.put("spec", mask.spec());
            json.put("looks_ahead", mask.looksAhead());
            json.put("attended_pairs", ones);
            json.put("density", ones / (double) ((long) n * n));
            json.put("matrix", rows);
            out.println(Json.write(json));
        } else {
            out.println(mask.spec() + "  (" + ones + " of " + n * n + " pairs; row = query, column = key)");
            for (boolean[] row : m) {
                StringBuilder sb = new StringBuilder();
                for (boolean b : row) {
                    sb.append(b ? "■ " : "· ");
                }
                out.println(sb.toString().stripTrailing());
            }
        }
        return 0;
    }
}
