package org.llmexplorer.opencl;

/**
 * What the OpenCL backend holds on devices right now, over every backend instance of the
 * process: for finding leaks (a model switched away or a conversation dropped must give its
 * buffers back).
 */
public final class DeviceMemory {
    private DeviceMemory() {
    }

    /** Bytes in device buffers not yet released. */
    public static long bytesInUse() {
        return ClContext.LIVE_BYTES.get();
    }

    /** Device contexts not yet closed (one per backend instance). */
    public static int openContexts() {
        return ClContext.LIVE_CONTEXTS.get();
    }
}
