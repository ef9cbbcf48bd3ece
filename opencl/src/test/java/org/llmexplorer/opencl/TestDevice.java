package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;

/**
 * The device the tests run on: the default one (a GPU if any). Tests skip, saying why, only
 * where this machine has no OpenCL device at all; any other failure fails them. Where the
 * environment sets {@code LLMX_REQUIRE_OPENCL=1} (CI does, having installed PoCL) a missing
 * device fails them too, so the OpenCL suite cannot pass by skipping.
 */
final class TestDevice {
    private static Device device;
    private static String missing;

    private TestDevice() {
    }

    static synchronized Device get() {
        if (device == null && missing == null) {
            try {
                List<Device> all = Devices.list();
                if (all.isEmpty()) {
                    missing = "no OpenCL device on this machine (install pocl-opencl-icd for the CPU)";
                } else {
                    device = Devices.preferred(all);
                }
            } catch (OpenClException e) {
                missing = e.getMessage();
            }
        }
        if (device == null && "1".equals(System.getenv("LLMX_REQUIRE_OPENCL"))) {
            throw new IllegalStateException("LLMX_REQUIRE_OPENCL=1 but " + missing);
        }
        assumeTrue(device != null, () -> "OpenCL tests skipped: " + missing);
        return device;
    }

    static OpenClCompute compute() {
        return new OpenClCompute(get(), 2);
    }
}
