package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.Perplexity;
import org.llmexplorer.engine.model.Model;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx perplexity}: how surprised the model is by a text. */
@picocli.CommandLine.Command(name = "perplexity", description = "perplexity of a text file",
        customSynopsis = "llmx perplexity [--model F] --file TEXT [--ctx N] [--stride S] [options]")
final class PerplexityCommand implements Command {
    @Mixin
    private ModelOption modelOption;

    @Option(names = "--file", paramLabel = "TEXT", required = true, description = "the text file")
    private Path file;

    @Option(names = "--ctx", paramLabel = "N",
            description = "tokens per chunk or window (default: the model's context, at most 512)")
    private Integer ctx;

    @Option(names = "--stride", paramLabel = "S", defaultValue = "0", description = "slide windows of ctx tokens by S, "
            + "scoring each token once; without it, llama.cpp's method: chunks of ctx tokens, each starting with BOS, "
            + "second half scored")
    private int stride;

    @Option(names = "--mask", paramLabel = "SPEC", description = "run under an attention mask or mask plan")
    private String mask;

    @Mixin
    private KvCacheOption kv;

    @Mixin
    private BackendOptions backend;

    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        String text = Files.readString(file);
        try (Model model = Model.open(modelOption.path());
             Compute ops = Backends.create(backend.backend(), backend.threads())) {
            int context = ctx != null ? ctx : Math.min(model.config().contextLength(), 512);
            MaskPlan masks = mask != null ? MaskPlan.parse(mask, model.config().trainedMask())
                    : model.config().trainedMask();
            int[] tokens = model.tokenizer().encode(text, true, false);
            long t0 = System.nanoTime();
            Perplexity.Result r = Perplexity.compute(model, ops, masks, tokens, context, stride, kv.type());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("ppl", r.ppl());
            result.put("tokens", r.tokens());
            result.put("chunks", r.chunks());
            result.put("ctx", context);
            result.put("kv_type", kv.type().name());
            result.put("text_tokens", tokens.length);
            result.put("running_ppl", r.chunkPpl());
            result.put("seconds", (System.nanoTime() - t0) / 1e9);
            if (json) {
                out.println(Json.write(result));
            } else {
                out.printf("perplexity %.4f over %d tokens (%d chunks of %d)%n", r.ppl(), r.tokens(), r.chunks(),
                        context);
            }
        }
        return 0;
    }
}
