package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.bench.SamplerBench;

/** {@code llmx sampler-bench}: the cost of re-applying the sampler chain to a cached step. */
final class SamplerBenchCommand implements Command {
    @Override
    public String name() {
        return "sampler-bench";
    }

    @Override
    public String usage() {
        return """
                sampler-bench [--vocab N] [--report-top N] [--repetitions N] [--json]   ms to re-apply the sampler chain
                    to one step's logits, with per-stage reports (default vocabulary 128256, top 10)""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("vocab", "report-top", "repetitions"), Set.of("json"));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runs", SamplerBench.run(args.integer("vocab", 128256), args.integer("report-top", 10),
                args.integer("repetitions", 200)));
        out.println(args.flag("json") ? Json.write(json) : Json.pretty(json));
        return 0;
    }
}
