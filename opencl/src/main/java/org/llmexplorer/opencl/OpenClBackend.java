package org.llmexplorer.opencl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.compute.DeviceBackend;

/**
 * The OpenCL backend as the engine's {@code Backends} finds it: a {@link DeviceBackend} service
 * (META-INF/services), since the engine does not depend on this module.
 */
public final class OpenClBackend implements DeviceBackend {
    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String label() {
        return "OpenCL";
    }

    @Override
    public Compute create(String device, int threads) {
        return createOn(device, threads);
    }

    @Override
    public Compute createOnGpu(int threads) {
        return onGpu(threads);
    }

    @Override
    public List<Map<String, Object>> devices() {
        return list();
    }

    /** The backend on the device a selector names (index, part of a name, or null for the default: a GPU if any). */
    public static Compute createOn(String device, int threads) {
        return new OpenClCompute(Devices.pick(device), threads);
    }

    /** The backend on the first GPU, or null when there is no GPU (or no OpenCL at all). */
    public static Compute onGpu(int threads) {
        for (Device d : Devices.list()) {
            if (d.isGpu()) {
                return new OpenClCompute(d, threads);
            }
        }
        return null;
    }

    /** Every device, described for {@code llmx devices}. */
    public static List<Map<String, Object>> list() {
        List<Device> all = Devices.list();
        List<Map<String, Object>> out = new ArrayList<>();
        Device preferred = all.isEmpty() ? null : Devices.preferred(all);
        for (Device d : all) {
            out.add(d.describe(d == preferred));
        }
        return out;
    }
}
