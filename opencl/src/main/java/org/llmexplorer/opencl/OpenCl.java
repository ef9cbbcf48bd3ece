package org.llmexplorer.opencl;

import org.lwjgl.opencl.CL;
import org.lwjgl.system.Configuration;

/**
 * Loads the system's OpenCL library (the ICD loader) once. LWJGL looks for {@code libOpenCL.so},
 * which on Linux only a development package provides; the loader itself is
 * {@code libOpenCL.so.1}, so that is the name asked for unless the user set one
 * ({@code -Dorg.lwjgl.opencl.libname=...}).
 */
final class OpenCl {
    private static volatile String failure;
    private static volatile boolean loaded;

    private OpenCl() {
    }

    /** Makes sure the library is loaded; throws an {@link OpenClException} that says why it cannot be. */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        if (failure != null) {
            throw new OpenClException(failure);
        }
        try {
            if (System.getProperty("org.lwjgl.opencl.libname") == null
                    && System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                Configuration.OPENCL_LIBRARY_NAME.set("libOpenCL.so.1");
            }
            CL.getFunctionProvider(); // loads the library on first use
            loaded = true;
        } catch (Throwable e) { // UnsatisfiedLinkError, or LWJGL's own natives missing
            failure = "no OpenCL library: " + e.getMessage()
                    + " (install an OpenCL driver and its ICD loader, e.g. apt install ocl-icd-libopencl1 "
                    + "pocl-opencl-icd, or set -Dorg.lwjgl.opencl.libname to the library's path)";
            throw new OpenClException(failure, e);
        }
    }
}
