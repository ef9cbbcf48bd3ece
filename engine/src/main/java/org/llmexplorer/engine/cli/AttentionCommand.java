package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.HeatmapImage;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx attention}: the attention weights of one head over a prompt. */
@picocli.CommandLine.Command(name = "attention", description = "attention weights of a head over a prompt",
        customSynopsis = "llmx attention --model F --prompt TEXT --layer L --head H [options]")
final class AttentionCommand implements Command {
    @Option(names = "--model", paramLabel = "F", required = true, description = "a GGUF file")
    private Path modelFile;

    @Option(names = "--prompt", paramLabel = "TEXT", required = true, description = "the text the model reads")
    private String prompt;

    @Option(names = "--layer", paramLabel = "L", defaultValue = "0", description = "the layer (default ${DEFAULT-VALUE})")
    private int layer;

    @Option(names = "--head", paramLabel = "H", defaultValue = "0", description = "the head (default ${DEFAULT-VALUE})")
    private int head;

    @Option(names = "--mask", paramLabel = "SPEC",
            description = "run under a mask or mask plan (see llmx mask --help; default: the model's own)")
    private String mask;

    @Option(names = "--json", description = "print the tokens, the mask's matrix and the weights (row = query, column = key)")
    private boolean json;

    @Option(names = "--png", paramLabel = "FILE", description = "write a heatmap (forbidden cells grey)")
    private Path png;

    @Option(names = "--csv", paramLabel = "FILE", description = "write the weights as CSV")
    private Path csv;

    @Mixin
    private BackendOptions backend;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        try (Model model = Model.open(modelFile);
             Compute ops = Backends.create(backend.backend(), backend.threads())) {
            ModelConfig c = model.config();
            if (layer < 0 || layer >= c.layers() || head < 0 || head >= c.heads()) {
                throw new UsageException("the model has layers 0.." + (c.layers() - 1) + " and heads 0.." + (c.heads() - 1));
            }
            MaskPlan plan = mask != null ? MaskPlan.parse(mask, model.config().trainedMask()) : model.config().trainedMask();
            int[] ids = model.tokenizer().encode(prompt, true, true);
            int n = ids.length;
            Generator generator = new Generator(model, ops, n).masks(plan);
            AttentionMatrix recorded = AttentionMatrix.of(c.layers(), c.heads(), n, layer, head);
            generator.state().recorder(recorded);
            generator.ingest(ids, n, 0);

            float[][] weights = recorded.weights(layer, head);
            AttentionMask headMask = plan.mask(layer, head);
            boolean[][] allowed = headMask.matrix(n);
            String[] pieces = new String[n];
            for (int i = 0; i < n; i++) {
                pieces[i] = new String(model.tokenizer().piece(ids[i], true), StandardCharsets.UTF_8);
            }
            if (png != null) {
                HeatmapImage.write(weights, allowed, png);
            }
            if (csv != null) {
                try (Writer w = Files.newBufferedWriter(csv)) {
                    recorded.writeCsv(layer, head, pieces, w);
                }
            }
            if (json) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("tokens", ids);
                result.put("pieces", pieces);
                result.put("layer", layer);
                result.put("head", head);
                result.put("mask", headMask.spec());
                result.put("plan", plan.spec());
                List<int[]> m = new ArrayList<>();
                for (boolean[] row : allowed) {
                    int[] r = new int[n];
                    for (int j = 0; j < n; j++) {
                        r[j] = row[j] ? 1 : 0;
                    }
                    m.add(r);
                }
                result.put("mask_matrix", m);
                result.put("weights", weights);
                result.put("attended_pairs", generator.state().attendedPairs());
                out.println(Json.write(result));
            } else {
                out.printf("layer %d head %d under %s, %d tokens (row = query, column = key)%n", layer, head,
                        headMask.spec(), n);
                for (int i = 0; i < n; i++) {
                    StringBuilder sb = new StringBuilder(String.format("%-12.12s", pieces[i].replace("\n", "\\n")));
                    for (int j = 0; j < n; j++) {
                        sb.append(allowed[i][j] ? String.format(" %.2f", weights[i][j]) : "    -");
                    }
                    out.println(sb);
                }
            }
        }
        return 0;
    }
}
