package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.function.IntFunction;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.inspect.Grids;
import org.llmexplorer.engine.inspect.Readings;
import org.llmexplorer.engine.inspect.Reports;
import org.llmexplorer.engine.model.Model;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx readings}: prediction entropy along a text, residual norms, and what kind each head is. */
@picocli.CommandLine.Command(name = "readings", description = "entropy along a text, residual norms, head readings",
        customSynopsis = "llmx readings [--model F] --prompt TEXT [--head-reading R] [options]")
final class ReadingsCommand implements Command {
    @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "the text to read")
    private String prompt;

    @Option(names = "--head-reading", paramLabel = "R", defaultValue = "ENTROPY",
            description = "the head grid --csv/--png write: ${COMPLETION-CANDIDATES} (default ENTROPY)")
    private Grids.HeadReading reading;

    @Mixin
    private InspectOptions options;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        try (Model model = options.open(); Compute ops = options.compute()) {
            int[] tokens = InspectOptions.tokens(model, prompt);
            Readings r = Readings.of(options.pass(model, ops), tokens);
            IntFunction<String> label = InspectOptions.labels(model);
            options.export(Grids.heads(r, reading));
            if (options.json) {
                out.println(Json.write(Reports.readings(r, label)));
                return 0;
            }
            InspectOptions.print(Grids.entropy(r, label), out);
            out.println();
            InspectOptions.print(Grids.residualNorms(r, label), out);
            for (Grids.HeadReading h : Grids.HeadReading.values()) {
                out.println();
                InspectOptions.print(Grids.heads(r, h), out);
            }
        }
        return 0;
    }
}
