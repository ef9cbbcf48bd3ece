package org.llmexplorer.engine.compute;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.llmexplorer.engine.compute.simd.SimdCompute;

/**
 * Creates a compute backend by name. Device backends (OpenCL) live in modules that depend on
 * the engine, never the other way: they are found as {@link DeviceBackend} services, so the
 * engine runs without them.
 */
public final class Backends {
    public static final String DEFAULT = "simd";

    private Backends() {
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * "scalar" (the single-threaded reference), "simd" (Vector API on all threads), "opencl"
     * (whole forward passes on an OpenCL device, a GPU when there is one; "opencl:N" or
     * "opencl:NAME" picks a device as {@code llmx devices} lists them), or "auto" (OpenCL on a
     * GPU when there is one, otherwise simd). Asking for opencl where the module, the OpenCL
     * library or a device is missing throws an {@link IllegalStateException} that says which.
     */
    public static Compute create(String name, int threads) {
        int colon = name.indexOf(':');
        String kind = colon < 0 ? name : name.substring(0, colon);
        String device = colon < 0 ? null : name.substring(colon + 1);
        return switch (kind) {
            case "scalar" -> new ScalarCompute();
            case "simd" -> new SimdCompute(threads);
            case "auto" -> auto(threads);
            default -> {
                DeviceBackend d = device(kind);
                if (d == null) {
                    throw new IllegalArgumentException("unknown backend '" + name
                            + "' (available: scalar, simd, opencl, opencl:DEVICE, auto)");
                }
                yield d.create(device, threads);
            }
        };
    }

    /** OpenCL on a GPU if the module, the library and a GPU are there; simd otherwise, whatever went wrong. */
    private static Compute auto(int threads) {
        try {
            for (DeviceBackend d : ServiceLoader.load(DeviceBackend.class)) {
                Compute gpu = d.createOnGpu(threads);
                if (gpu != null) {
                    return gpu;
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // no OpenCL here: the CPU it is
        }
        return new SimdCompute(threads);
    }

    /**
     * The OpenCL devices, one map each (index, name, type, platform, driver, memory, ...), in
     * the order {@code opencl:N} counts them; throws where the module or library is missing.
     */
    public static List<Map<String, Object>> devices() {
        DeviceBackend d = device("opencl");
        if (d == null) {
            throw missing("opencl");
        }
        return d.devices();
    }

    /** A backend one can ask {@link #create} for, with words for a menu. */
    public record Choice(String name, String label) {
        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * The backends this machine offers: auto, simd, scalar, then one per OpenCL device (none
     * where the module, the library or a device is missing). Device discovery can take a second:
     * call it off the UI thread.
     */
    public static List<Choice> choices() {
        List<Choice> out = new ArrayList<>(List.of(
                new Choice("auto", "auto (a GPU if any, else SIMD)"),
                new Choice("simd", "SIMD on the CPU"),
                new Choice("scalar", "scalar (the reference, 1 thread)")));
        for (DeviceBackend b : ServiceLoader.load(DeviceBackend.class)) {
            try {
                for (Map<String, Object> d : b.devices()) {
                    out.add(new Choice(b.name() + ":" + d.get("index"),
                            b.label() + " " + d.get("index") + ": " + d.get("name") + " (" + d.get("type") + ")"));
                }
            } catch (RuntimeException | LinkageError e) {
                // no library or device for it here: the CPU choices only
            }
        }
        return out;
    }

    /** The device backend of that name, or null when no module on the class path provides it. */
    private static DeviceBackend device(String name) {
        for (DeviceBackend d : ServiceLoader.load(DeviceBackend.class)) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        if (name.equals("opencl")) {
            throw missing(name);
        }
        return null;
    }

    private static IllegalStateException missing(String name) {
        return new IllegalStateException("the " + name + " backend is not part of this build (module '" + name
                + "' not on the class path)");
    }
}
