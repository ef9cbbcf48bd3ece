package org.llmexplorer.opencl;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One OpenCL device as discovery found it; {@code index} counts devices over all platforms in
 * the order the platforms list them, which is how {@code --device N} names them.
 *
 * @param correctlyRoundedDivide whether the device can divide and take square roots correctly
 *                               rounded, as Java does (the activation rounding depends on it)
 */
public record Device(int index, long id, long platformId, String platform, String name, String vendor, String type,
                     String version, String driver, long globalMemory, long maxAllocation, long localMemory,
                     int computeUnits, long maxWorkGroupSize, boolean fp64, boolean correctlyRoundedDivide) {

    public boolean isGpu() {
        return type.equals("GPU");
    }

    /** What {@code llmx devices --json} prints for it. */
    public Map<String, Object> describe(boolean isDefault) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("name", name);
        m.put("type", type);
        m.put("vendor", vendor);
        m.put("platform", platform);
        m.put("version", version);
        m.put("driver", driver);
        m.put("global_memory_bytes", globalMemory);
        m.put("max_allocation_bytes", maxAllocation);
        m.put("local_memory_bytes", localMemory);
        m.put("compute_units", computeUnits);
        m.put("max_work_group_size", maxWorkGroupSize);
        m.put("fp64", fp64);
        m.put("default", isDefault);
        return m;
    }

    @Override
    public String toString() {
        return index + ": " + name + " (" + type + ", " + platform + ", driver " + driver + ")";
    }
}
