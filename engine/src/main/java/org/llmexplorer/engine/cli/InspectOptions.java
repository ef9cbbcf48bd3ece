package org.llmexplorer.engine.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.IntFunction;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.inspect.Grid;
import org.llmexplorer.engine.inspect.GridImage;
import org.llmexplorer.engine.inspect.Pass;
import org.llmexplorer.engine.model.Model;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the deeper views' commands share: the model, the backend, a mask, and where the grid goes. */
final class InspectOptions {
    @Mixin
    private ModelOption modelOption;

    @Mixin
    private BackendOptions backend;

    @Option(names = "--mask", paramLabel = "SPEC", description = "run under an attention mask or mask plan "
            + "(see llmx mask --help)")
    private String mask;

    @Option(names = "--csv", paramLabel = "FILE", description = "also write the grid as CSV")
    private Path csv;

    @Option(names = "--png", paramLabel = "FILE", description = "also write the grid as a PNG picture")
    private Path png;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    Model open() throws IOException {
        return Model.open(modelOption.path());
    }

    Compute compute() {
        return Backends.create(backend.backend(), backend.threads());
    }

    Pass pass(Model model, Compute ops) {
        MaskPlan plan = mask == null ? null : MaskPlan.parse(mask, model.config().trainedMask());
        Pass pass = new Pass(model, ops, plan);
        if (!pass.deviceNote().isEmpty()) {
            System.err.println("llmx: " + pass.deviceNote());
        }
        return pass;
    }

    static int[] tokens(Model model, String text) {
        int[] ids = model.tokenizer().encode(text, true, true);
        if (ids.length == 0) {
            throw new UsageException("the text has no tokens");
        }
        return ids;
    }

    /** A token's text for tables, control tokens written out and line breaks shown. */
    static IntFunction<String> labels(Model model) {
        return org.llmexplorer.engine.inspect.Reports.labels(model.tokenizer());
    }

    /** Writes the grid where --csv and --png say, and says so on stderr (stdout may be JSON). */
    void export(Grid grid) throws IOException {
        if (csv != null) {
            Files.writeString(csv, grid.csv());
            System.err.println("wrote " + csv);
        }
        if (png != null) {
            GridImage.write(grid, png);
            System.err.println("wrote " + png);
        }
    }

    /** The grid as aligned text: a row per line, each cell's word and value. */
    static void print(Grid grid, PrintStream out) {
        out.println(grid.title());
        int width = 14;
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-12s", ""));
        for (String c : grid.columns()) {
            head.append(String.format(Locale.ROOT, " %-" + width + "s", clip(c, width)));
        }
        out.println(head);
        for (int r = 0; r < grid.rows().size(); r++) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s", clip(grid.rows().get(r), 12)));
            for (int c = 0; c < grid.columns().size(); c++) {
                line.append(String.format(Locale.ROOT, " %-" + width + "s", clip(grid.texts()[r][c], width)));
            }
            out.println(line);
        }
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
