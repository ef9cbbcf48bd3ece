package org.llmexplorer.engine.compute;

import org.llmexplorer.engine.compute.simd.SimdCompute;

/** Creates a compute backend by name. */
public final class Backends {
    public static final String DEFAULT = "simd";

    private Backends() {
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** "scalar" (the single-threaded reference) or "simd" (Vector API on all threads). */
    public static Compute create(String name, int threads) {
        return switch (name) {
            case "scalar" -> new ScalarCompute();
            case "simd" -> new SimdCompute(threads);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (available: scalar, simd)");
        };
    }
}
