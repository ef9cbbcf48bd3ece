package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.IntFunction;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.inspect.Grids;
import org.llmexplorer.engine.inspect.LogitLens;
import org.llmexplorer.engine.inspect.Pass;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.TokenProbability;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx lens}: the logit lens, what the model would predict after each layer. */
@picocli.CommandLine.Command(name = "lens", description = "logit lens: the prediction after each layer at each position",
        customSynopsis = "llmx lens [--model F] --prompt TEXT [--position P] [--top N] [options]")
final class LensCommand implements Command {
    @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "the text to look into")
    private String prompt;

    @Option(names = "--position", paramLabel = "P", defaultValue = "-1",
            description = "the position whose top tokens per layer are listed (default -1: the last)")
    private int position;

    @Option(names = "--top", paramLabel = "N", defaultValue = "10", description = "tokens kept per cell (default 10)")
    private int top;

    @Mixin
    private InspectOptions options;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        if (top < 1) {
            throw new UsageException("--top must be at least 1");
        }
        try (Model model = options.open(); Compute ops = options.compute()) {
            int[] tokens = InspectOptions.tokens(model, prompt);
            if (position < -1 || position >= tokens.length) {
                throw new UsageException("--position must be -1 or 0.." + (tokens.length - 1) + " (the prompt has "
                        + tokens.length + " tokens)");
            }
            Pass pass = options.pass(model, ops);
            LogitLens lens = LogitLens.of(pass, tokens, top, null, null);
            IntFunction<String> label = InspectOptions.labels(model);
            options.export(Grids.lens(lens, label));
            if (options.json) {
                out.println(Json.write(org.llmexplorer.engine.inspect.Reports.lens(lens, label)));
                return 0;
            }
            InspectOptions.print(Grids.lens(lens, label), out);
            int p = position < 0 ? tokens.length - 1 : position;
            out.printf(Locale.ROOT, "%nafter position %d ('%s'), layer by layer:%n", p, label.apply(tokens[p]));
            for (int l = lens.layers() - 1; l >= 0; l--) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  L%-3d", l));
                for (TokenProbability t : lens.top()[l][p]) {
                    line.append(String.format(Locale.ROOT, " %s %.3f", label.apply(t.id()), t.p()));
                }
                out.println(line);
            }
        }
        return 0;
    }
}
