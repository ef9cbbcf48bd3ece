package org.llmexplorer.engine.cli;

import org.llmexplorer.engine.compute.Backends;
import picocli.CommandLine.Option;

/** {@code --backend}, {@code --device} and {@code --threads}: where a command computes (a picocli mixin). */
public final class BackendOptions {
    @Option(names = "--backend", paramLabel = "B", defaultValue = Backends.DEFAULT,
            description = "scalar, simd (default), opencl or auto (OpenCL on a GPU, else simd)")
    private String backend;

    @Option(names = "--device", paramLabel = "D", description = "with opencl: a device index or name from llmx devices")
    private String device;

    @Option(names = "--threads", paramLabel = "N", description = "threads of the simd backend (default: all cores)")
    private Integer threads;

    /**
     * The backend, with --device for opencl written as opencl:DEVICE, which is how
     * {@link Backends#create} takes it.
     */
    public String backend() {
        if (device == null) {
            return backend;
        }
        if (!backend.equals("opencl")) {
            throw new UsageException("--device picks an OpenCL device: it goes with --backend opencl");
        }
        return backend + ":" + device;
    }

    public int threads() {
        int n = threads == null ? Backends.defaultThreads() : threads;
        if (n < 1) {
            throw new UsageException("--threads must be at least 1");
        }
        return n;
    }
}
