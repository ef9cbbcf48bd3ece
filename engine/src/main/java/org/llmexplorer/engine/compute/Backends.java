package org.llmexplorer.engine.compute;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.compute.simd.SimdCompute;

/**
 * Creates a compute backend by name. The OpenCL backend lives in the {@code opencl} module,
 * which depends on the engine (and LWJGL), never the other way: it is found by class name when
 * asked for, so the engine runs without it.
 */
public final class Backends {
    public static final String DEFAULT = "simd";

    /** The opencl module's entry point, looked up by name. */
    static final String OPENCL_BACKEND = "org.llmexplorer.opencl.OpenClBackend";

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
            case "opencl" -> (Compute) callOpenCl("create", new Class<?>[] {String.class, int.class}, device, threads);
            case "auto" -> auto(threads);
            default -> throw new IllegalArgumentException("unknown backend '" + name
                    + "' (available: scalar, simd, opencl, opencl:DEVICE, auto)");
        };
    }

    /** OpenCL on a GPU if the module, the library and a GPU are there; simd otherwise, whatever went wrong. */
    private static Compute auto(int threads) {
        try {
            Compute gpu = (Compute) callOpenCl("createOnGpu", new Class<?>[] {int.class}, threads);
            if (gpu != null) {
                return gpu;
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
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> devices() {
        return (List<Map<String, Object>>) callOpenCl("devices", new Class<?>[0]);
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
        try {
            for (Map<String, Object> d : devices()) {
                out.add(new Choice("opencl:" + d.get("index"),
                        "OpenCL " + d.get("index") + ": " + d.get("name") + " (" + d.get("type") + ")"));
            }
        } catch (RuntimeException | LinkageError e) {
            // no OpenCL here: the CPU choices only
        }
        return out;
    }

    private static Object callOpenCl(String method, Class<?>[] types, Object... args) {
        Method m;
        try {
            m = Class.forName(OPENCL_BACKEND).getMethod(method, types);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalStateException("the OpenCL backend is not part of this build (module 'opencl', class "
                    + OPENCL_BACKEND + " not on the class path)");
        }
        try {
            return m.invoke(null, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("OpenCL: " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
