package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.MaskSpec;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code llmx mask}: the connectivity matrix of an attention mask. */
@picocli.CommandLine.Command(name = "mask",
        description = "the connectivity matrix of a mask (row = query, column = key)",
        customSynopsis = "llmx mask --type T [--n N] [--param k=v ...] [--json]",
        modelTransformer = MaskCommand.TypeList.class,
        footer = {"", "In generate, bench and attention, --mask takes a spec (type:k=v,k=v) or a plan of entries "
                + "separated by ';', each [L<layers>][H<heads>]@spec, e.g. \"L0-7@sliding:w=64;L8-@causal\" or "
                + "\"strided:l=8,head=split\" (row pattern on even heads, column on odd heads)."})
final class MaskCommand implements Command {
    @Option(names = "--type", paramLabel = "T", required = true, completionCandidates = Types.class,
            description = "the mask: ${COMPLETION-CANDIDATES} (their parameters below)")
    private String type;

    @Option(names = "--param", paramLabel = "k=v", description = "a parameter (repeat the option for several): w window, "
            + "d dilation, r random keys, seed, l stride or block, c summary cells, p prefix length, global positions "
            + "joined with +, causal=true|false, head=row|column|union (default union)")
    private List<String> params; // null when none

    @Option(names = "--n", paramLabel = "N", defaultValue = "16", description = "positions (default ${DEFAULT-VALUE})")
    private int n;

    @Option(names = "--json", description = "print {\"n\": N, \"matrix\": [[0/1, ...], ...]}")
    private boolean json;

    /** The mask types, for the help and the shell's completion. */
    static final class Types implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return MaskSpec.PARAMETERS.keySet().iterator();
        }
    }

    /** Adds the parameters each mask type takes, which only {@link MaskSpec} knows, to the help. */
    static final class TypeList implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            List<String> lines = new ArrayList<>(List.of("", "Mask types and their parameters:"));
            MaskSpec.PARAMETERS.forEach((k, v) -> lines.add("  %-12s %s".formatted(k, String.join(", ", v))));
            lines.addAll(List.of(spec.usageMessage().footer()));
            spec.usageMessage().footer(lines.toArray(String[]::new));
            return spec;
        }
    }

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        String spec = type + (params == null ? "" : ":" + String.join(",", params));
        AttentionMask mask = MaskSpec.parse(spec);
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
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("n", n);
            result.put("spec", mask.spec());
            result.put("looks_ahead", mask.looksAhead());
            result.put("attended_pairs", ones);
            result.put("density", ones / (double) ((long) n * n));
            result.put("matrix", rows);
            out.println(Json.write(result));
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
