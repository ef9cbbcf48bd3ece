package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.Backends;
import picocli.CommandLine.Option;

/** {@code llmx devices}: the OpenCL platforms and devices, numbered as --backend opencl --device N takes them. */
@picocli.CommandLine.Command(name = "devices",
        description = "the OpenCL devices --backend opencl --device N|NAME can pick")
final class DevicesCommand implements Command {
    @Option(names = "--json", description = "print one JSON object")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) {
        List<Map<String, Object>> devices = Backends.devices();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("devices", devices);
            out.println(Json.write(result));
            return 0;
        }
        if (devices.isEmpty()) {
            out.println("no OpenCL devices: the OpenCL library is there, but no platform offers a device "
                    + "(is a driver (ICD) installed? PoCL for the CPU: apt install pocl-opencl-icd)");
            return 0;
        }
        for (Map<String, Object> d : devices) {
            out.printf("%s: %s  [%s, %s]  %s, driver %s, %d MiB, %s compute units%s%n", d.get("index"), d.get("name"),
                    d.get("type"), d.get("platform"), d.get("version"), d.get("driver"),
                    ((Number) d.get("global_memory_bytes")).longValue() >> 20, d.get("compute_units"),
                    Boolean.TRUE.equals(d.get("default")) ? "  (default)" : "");
        }
        return 0;
    }
}
