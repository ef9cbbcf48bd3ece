package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.attention.AttentionMask;
import org.llmexplorer.engine.attention.AttentionMatrix;
import org.llmexplorer.engine.attention.HeatmapImage;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.model.ModelConfig;

/** {@code llmx attention}: the attention weights of one head over a prompt. */
final class AttentionCommand implements Command {
    @Override
    public String name() {
        return "attention";
    }

    @Override
    public String usage() {
        return """
                attention --model F --prompt TEXT --layer L --head H [options]   attention weights of a head over a prompt
                  --mask SPEC     run under a mask or mask plan (see llmx mask --help; default: the model's own)
                  --json          print the tokens, the mask's matrix and the weights (row = query, column = key)
                  --png FILE      write a heatmap (forbidden cells grey)
                  --csv FILE      write the weights as CSV
                  --backend B, --device D, --threads N   as for generate""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "prompt", "layer", "head", "mask", "png", "csv", "backend", "device",
                "threads"), Set.of("json"));
        int layer = args.integer("layer", 0);
        int head = args.integer("head", 0);
        try (Model model = Model.open(Path.of(args.required("model")));
             Compute ops = Backends.create(args.backend(),
                     args.integer("threads", Backends.defaultThreads()))) {
            ModelConfig c = model.config();
            if (layer < 0 || layer >= c.layers() || head < 0 || head >= c.heads()) {
                throw new UsageException("the model has layers 0.." + (c.layers() - 1) + " and heads 0.." + (c.heads() - 1));
            }
            MaskPlan plan = args.has("mask") ? MaskPlan.parse(args.required("mask"), model.config().trainedMask()) : model.config().trainedMask();
            int[] ids = model.tokenizer().encode(args.required("prompt"), true, true);
            int n = ids.length;
            Generator generator = new Generator(model, ops, n).masks(plan);
            AttentionMatrix recorded = AttentionMatrix.of(c.layers(), c.heads(), n, layer, head);
            generator.state().recorder(recorded);
            generator.ingest(ids, n, 0);

            float[][] weights = recorded.weights(layer, head);
            AttentionMask mask = plan.mask(layer, head);
            boolean[][] allowed = mask.matrix(n);
            String[] pieces = new String[n];
            for (int i = 0; i < n; i++) {
                pieces[i] = new String(model.tokenizer().piece(ids[i], true), StandardCharsets.UTF_8);
            }
            if (args.has("png")) {
                HeatmapImage.write(weights, allowed, Path.of(args.required("png")));
            }
            if (args.has("csv")) {
                try (Writer w = Files.newBufferedWriter(Path.of(args.required("csv")))) {
                    recorded.writeCsv(layer, head, pieces, w);
                }
            }
            if (args.flag("json")) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("tokens", ids);
                json.put("pieces", pieces);
                json.put("layer", layer);
                json.put("head", head);
                json.put("mask", mask.spec());
                json.put("plan", plan.spec());
                List<int[]> m = new ArrayList<>();
                for (boolean[] row : allowed) {
                    int[] r = new int[n];
                    for (int j = 0; j < n; j++) {
                        r[j] = row[j] ? 1 : 0;
                    }
                    m.add(r);
                }
                json.put("mask_matrix", m);
                json.put("weights", weights);
                json.put("attended_pairs", generator.state().attendedPairs());
                out.println(Json.write(json));
            } else {
                out.printf("layer %d head %d under %s, %d tokens (row = query, column = key)%n", layer, head,
                        mask.spec(), n);
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
