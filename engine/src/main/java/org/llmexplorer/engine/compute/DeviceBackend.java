package org.llmexplorer.engine.compute;

import java.util.List;
import java.util.Map;

/**
 * A backend on devices, in a module of its own that depends on the engine (the opencl module
 * provides one): found with {@link java.util.ServiceLoader}, so the engine never names it and
 * runs without it.
 */
public interface DeviceBackend {
    /** The name {@link Backends#create} is asked for, e.g. "opencl". */
    String name();

    /** Words for menus, e.g. "OpenCL". */
    String label();

    /** The backend on the device a selector names (index, part of a name, or null for the default). */
    Compute create(String device, int threads);

    /** The backend on the first GPU, or null when there is none. */
    Compute createOnGpu(int threads);

    /** Every device (index, name, type, ...), in the order a selector counts them. */
    List<Map<String, Object>> devices();
}
