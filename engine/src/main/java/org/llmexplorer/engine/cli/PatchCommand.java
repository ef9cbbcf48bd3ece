package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.IntFunction;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.inspect.Grids;
import org.llmexplorer.engine.inspect.Pass;
import org.llmexplorer.engine.inspect.Patching;
import org.llmexplorer.engine.inspect.Reports;
import org.llmexplorer.engine.model.Model;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx patch}: activation patching between a clean and a corrupted prompt. */
@picocli.CommandLine.Command(name = "patch", description = "activation patching: put the clean run's residual stream "
        + "into the corrupted run", customSynopsis = "llmx patch [--model F] --clean TEXT --corrupted TEXT "
        + "(--layer L --position P | --sweep) [options]")
final class PatchCommand implements Command {
    @Option(names = "--clean", paramLabel = "TEXT", required = true, description = "the prompt with the right answer")
    private String clean;

    @Option(names = "--corrupted", paramLabel = "TEXT", required = true,
            description = "the same prompt with a word changed (the same number of tokens)")
    private String corrupted;

    @Option(names = "--layer", paramLabel = "L", description = "the layer after which the stream is patched")
    private Integer layer;

    @Option(names = "--position", paramLabel = "P", description = "the position patched")
    private Integer position;

    @Option(names = "--sweep", description = "every layer at every position")
    private boolean sweep;

    @Mixin
    private InspectOptions options;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        if (sweep == (layer != null || position != null) || (!sweep && (layer == null || position == null))) {
            throw new UsageException("give --layer and --position, or --sweep");
        }
        try (Model model = options.open(); Compute ops = options.compute()) {
            int[] a = InspectOptions.tokens(model, clean);
            int[] b = InspectOptions.tokens(model, corrupted);
            Pass pass = options.pass(model, ops);
            IntFunction<String> label = InspectOptions.labels(model);
            Patching patching;
            try {
                patching = new Patching(pass, a, b);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            Patching.Baseline base = patching.baseline();
            if (!sweep) {
                double r;
                try {
                    r = patching.recovered(layer, position);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                if (options.json) {
                    out.println(Json.write(Reports.patching(base, a, b, r, label)));
                } else {
                    out.printf(Locale.ROOT, "clean answer '%s' (p %.4f), corrupted '%s' (p of clean answer %.4f)%n",
                            label.apply(base.answer()), base.cleanP(), label.apply(base.foil()), base.corruptedP());
                    out.printf(Locale.ROOT, "patching layer %d at position %d ('%s') recovers %.1f%%%n", layer, position,
                            label.apply(a[position]), 100 * r);
                }
                return 0;
            }
            System.err.printf(Locale.ROOT, "llmx patch: %d forward passes of %d tokens%n", patching.sweepPasses(), a.length);
            Patching.Sweep s = patching.sweep(null, null);
            options.export(Grids.patching(s, a, label));
            if (options.json) {
                out.println(Json.write(Reports.patching(base, a, b, s.recovered(), label)));
            } else {
                InspectOptions.print(Grids.patching(s, a, label), out);
            }
        }
        return 0;
    }
}
