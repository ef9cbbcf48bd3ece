package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.bench.KernelBench;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;

/** {@code llmx kernels}: each matrix kernel beside the scalar reference, with its speed. */
final class KernelsCommand implements Command {
    @Override
    public String name() {
        return "kernels";
    }

    @Override
    public String usage() {
        return """
                kernels [--rows R] [--cols C] [--batch B] [--types T,...] [--backend B] [--device D] [--threads N] [--seconds S] [--json]
                    matrix-kernel speed per weight type (default 8192 x 2048, batch 1, every type), checked against
                    the scalar reference""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("rows", "cols", "batch", "types", "backend", "device", "threads", "seconds"), Set.of("json"));
        try (Compute ops = Backends.create(args.backend(),
                args.integer("threads", Backends.defaultThreads()))) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("backend", ops.name());
            json.put("threads", ops.threads());
            json.put("kernels", KernelBench.run(ops, args.integer("rows", 8192), args.integer("cols", 2048),
                    args.integer("batch", 1), args.number("seconds", 1f), types(args)));
            out.println(args.flag("json") ? Json.write(json) : Json.pretty(json));
        }
        return 0;
    }

    private static List<GgmlType> types(Args args) {
        if (!args.has("types")) {
            return Arrays.stream(GgmlType.values()).filter(TensorFormats::supported).toList();
        }
        try {
            return Arrays.stream(args.string("types", "").split(",")).map(String::trim).map(String::toUpperCase)
                    .map(GgmlType::valueOf).toList();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--types: weight types such as Q4_K,Q6_K,Q8_0, got " + args.string("types", ""));
        }
    }
}
