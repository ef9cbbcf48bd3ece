package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Perplexity;
import org.llmexplorer.engine.model.Model;

/** {@code llmx perplexity}: how surprised the model is by a text. */
final class PerplexityCommand implements Command {
    @Override
    public String name() {
        return "perplexity";
    }

    @Override
    public String usage() {
        return """
                perplexity [--model F] --file TEXT [--ctx N] [--stride S] [--json]   perplexity of a text file
                  --ctx N        tokens per chunk or window (default: the model's context, at most 512)
                  --stride S     slide windows of ctx tokens by S, scoring each token once; without it, llama.cpp's
                                 method: chunks of ctx tokens, each starting with BOS, second half scored
                  --mask SPEC    run under an attention mask or mask plan
                  --backend B, --device D, --threads N""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "file", "ctx", "stride", "mask", "backend", "device", "threads"),
                Set.of("json"));
        String text = Files.readString(Path.of(args.required("file")));
        try (Model model = Model.open(ModelOption.path(args));
             Compute ops = Backends.create(args.backend(),
                     args.integer("threads", Backends.defaultThreads()))) {
            int ctx = args.integer("ctx", Math.min(model.config().contextLength(), 512));
            MaskPlan masks = args.has("mask") ? MaskPlan.parse(args.required("mask"), model.config().trainedMask())
                    : model.config().trainedMask();
            int[] tokens = model.tokenizer().encode(text, true, false);
            long t0 = System.nanoTime();
            Perplexity.Result r = Perplexity.compute(model, ops, masks, tokens, ctx, args.integer("stride", 0));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("ppl", r.ppl());
            json.put("tokens", r.tokens());
            json.put("chunks", r.chunks());
            json.put("ctx", ctx);
            json.put("text_tokens", tokens.length);
            json.put("running_ppl", r.chunkPpl());
            json.put("seconds", (System.nanoTime() - t0) / 1e9);
            if (args.flag("json")) {
                out.println(Json.write(json));
            } else {
                out.printf("perplexity %.4f over %d tokens (%d chunks of %d)%n", r.ppl(), r.tokens(), r.chunks(), ctx);
            }
        }
        return 0;
    }
}
