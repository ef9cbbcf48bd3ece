package org.llmexplorer.opencl;

import static org.lwjgl.opencl.CL10.CL_SUCCESS;

import java.util.Map;

/**
 * Something OpenCL could not do, said in words: no library, no device, a kernel that did not
 * build (with the compiler's log), too little device memory, or a call that failed with its
 * error name. An {@link IllegalStateException}, so the command line reports it as an error.
 */
public class OpenClException extends IllegalStateException {

    /** The errors a user can meet, by the names of the OpenCL headers. */
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(-1, "CL_DEVICE_NOT_FOUND"), Map.entry(-2, "CL_DEVICE_NOT_AVAILABLE"),
            Map.entry(-3, "CL_COMPILER_NOT_AVAILABLE"), Map.entry(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
            Map.entry(-5, "CL_OUT_OF_RESOURCES"), Map.entry(-6, "CL_OUT_OF_HOST_MEMORY"),
            Map.entry(-11, "CL_BUILD_PROGRAM_FAILURE"), Map.entry(-30, "CL_INVALID_VALUE"),
            Map.entry(-33, "CL_INVALID_DEVICE"), Map.entry(-34, "CL_INVALID_CONTEXT"),
            Map.entry(-36, "CL_INVALID_COMMAND_QUEUE"), Map.entry(-38, "CL_INVALID_MEM_OBJECT"),
            Map.entry(-42, "CL_INVALID_BINARY"), Map.entry(-43, "CL_INVALID_BUILD_OPTIONS"),
            Map.entry(-44, "CL_INVALID_PROGRAM"), Map.entry(-46, "CL_INVALID_KERNEL_NAME"),
            Map.entry(-48, "CL_INVALID_KERNEL"), Map.entry(-49, "CL_INVALID_ARG_INDEX"),
            Map.entry(-50, "CL_INVALID_ARG_VALUE"), Map.entry(-51, "CL_INVALID_ARG_SIZE"),
            Map.entry(-52, "CL_INVALID_KERNEL_ARGS"), Map.entry(-54, "CL_INVALID_WORK_GROUP_SIZE"),
            Map.entry(-55, "CL_INVALID_WORK_ITEM_SIZE"), Map.entry(-61, "CL_INVALID_BUFFER_SIZE"),
            Map.entry(-63, "CL_INVALID_GLOBAL_WORK_SIZE"), Map.entry(-1001, "CL_PLATFORM_NOT_FOUND_KHR"));

    public OpenClException(String message) {
        super(message);
    }

    public OpenClException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Throws when an OpenCL call did not succeed; memory errors say so in words. */
    static void check(int code, String what) {
        if (code == CL_SUCCESS) {
            return;
        }
        if (code == -4 || code == -5 || code == -6) {
            throw new OutOfDeviceMemory(what + " failed: " + name(code)
                    + " (the device ran out of memory; a smaller model or context, or --backend simd, may fit)");
        }
        throw new OpenClException(what + " failed: " + name(code));
    }

    static String name(int code) {
        return NAMES.getOrDefault(code, "OpenCL error " + code);
    }

    /** The device has too little memory for what was asked. */
    public static final class OutOfDeviceMemory extends OpenClException {
        public OutOfDeviceMemory(String message) {
            super(message);
        }
    }
}
