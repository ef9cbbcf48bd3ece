package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.bench.KernelBench;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.tensor.GgmlType;
import org.llmexplorer.engine.tensor.TensorFormats;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx kernels}: each matrix kernel beside the scalar reference, with its speed. */
@picocli.CommandLine.Command(name = "kernels",
        description = "matrix-kernel speed per weight type, checked against the scalar reference")
final class KernelsCommand implements Command {
    @Option(names = "--rows", paramLabel = "R", defaultValue = "8192", description = "matrix rows (default ${DEFAULT-VALUE})")
    private int rows;

    @Option(names = "--cols", paramLabel = "C", defaultValue = "2048",
            description = "matrix columns (default ${DEFAULT-VALUE})")
    private int cols;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1",
            description = "vectors multiplied at once (default ${DEFAULT-VALUE})")
    private int batch;

    @Option(names = "--types", paramLabel = "T,...", description = "weight types such as Q4_K,Q6_K,Q8_0 (default: every "
            + "type the engine computes)")
    private String types;

    @Mixin
    private BackendOptions backend;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "1",
            description = "time spent measuring each kernel (default ${DEFAULT-VALUE})")
    private float seconds;

    @Option(names = "--json", description = "print one line of JSON (else indented)")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        try (Compute ops = Backends.create(backend.backend(), backend.threads())) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("backend", ops.name());
            result.put("threads", ops.threads());
            result.put("kernels", KernelBench.run(ops, rows, cols, batch, seconds, types()));
            out.println(json ? Json.write(result) : Json.pretty(result));
        }
        return 0;
    }

    private List<GgmlType> types() {
        if (types == null) {
            return Arrays.stream(GgmlType.values()).filter(TensorFormats::supported).toList();
        }
        try {
            return Arrays.stream(types.split(",")).map(String::trim).map(String::toUpperCase)
                    .map(GgmlType::valueOf).toList();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--types: weight types such as Q4_K,Q6_K,Q8_0, got " + types);
        }
    }
}
