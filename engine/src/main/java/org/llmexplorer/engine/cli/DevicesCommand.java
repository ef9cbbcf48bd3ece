package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.compute.Backends;

/** {@code llmx devices}: the OpenCL platforms and devices, numbered as --backend opencl --device N takes them. */
final class DevicesCommand implements Command {
    @Override
    public String name() {
        return "devices";
    }

    @Override
    public String usage() {
        return """
                devices [--json]     the OpenCL devices --backend opencl --device N|NAME can pick
                  --json             print one JSON object""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) {
        Args args = new Args(argList, Set.of(), Set.of("json"));
        List<Map<String, Object>> devices = Backends.devices();
        if (args.flag("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("devices", devices);
            out.println(Json.write(json));
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
