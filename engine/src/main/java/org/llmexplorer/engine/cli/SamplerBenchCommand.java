package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmexplorer.engine.bench.SamplerBench;
import picocli.CommandLine.Option;

/** {@code llmx sampler-bench}: the cost of re-applying the sampler chain to a cached step. */
@picocli.CommandLine.Command(name = "sampler-bench",
        description = "ms to re-apply the sampler chain to one step's logits, with per-stage reports")
final class SamplerBenchCommand implements Command {
    @Option(names = "--vocab", paramLabel = "N", defaultValue = "128256",
            description = "vocabulary size (default ${DEFAULT-VALUE})")
    private int vocab;

    @Option(names = "--report-top", paramLabel = "N", defaultValue = "10",
            description = "tokens each stage reports (default ${DEFAULT-VALUE})")
    private int reportTop;

    @Option(names = "--repetitions", paramLabel = "N", defaultValue = "200",
            description = "measurements (default ${DEFAULT-VALUE})")
    private int repetitions;

    @Option(names = "--json", description = "print one line of JSON (else indented)")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runs", SamplerBench.run(vocab, reportTop, repetitions));
        out.println(json ? Json.write(result) : Json.pretty(result));
        return 0;
    }
}
