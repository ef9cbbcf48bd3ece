package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.Compute;

/**
 * What the engine's {@code Backends} calls, by name, when it is asked for OpenCL: the engine
 * does not depend on this module, so these static methods are the whole seam.
 */
public final class OpenClBackend {
    private OpenClBackend() {
    }

    /** The backend on the device a selector names (index, part of a name, or null for the default: a GPU if any). */
    public static Compute create(String device, int threads) {
        return new OpenClCompute(Devices.pick(device), threads);
    }

    /** The backend on the first GPU, or null when there is no GPU (or no OpenCL at all). */
    public static Compute createOnGpu(int threads) {
        for (Device d : Devices.list()) {
            if (d.isGpu()) {
                return new OpenClCompute(d, threads);
            }
        }
        return null;
    }

    /** Every device, described for {@code llmx devices}. */
    public static List<Map<String, Object>> devices() {
        List<Device> all = Devices.list();
        List<Map<String, Object>> out = new ArrayList<>();
        Device preferred = all.isEmpty() ? null : Devices.preferred(all);
        for (Device d : all) {
            out.add(d.describe(d == preferred));
        }
        return out;
    }
}
