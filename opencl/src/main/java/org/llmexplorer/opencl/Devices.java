package org.llmexplorer.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/** Discovery: the platforms' devices, and picking one by index or name with a GPU preferred. */
public final class Devices {
    private Devices() {
    }

    /** Every device of every platform; empty when the library is there but no driver offers a device. */
    public static List<Device> list() {
        OpenCl.load();
        List<Device> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            int[] count = new int[1];
            int err = clGetPlatformIDs(null, count);
            if (err == -1001 || count[0] == 0) { // CL_PLATFORM_NOT_FOUND_KHR: a loader with no driver
                return out;
            }
            OpenClException.check(err, "clGetPlatformIDs");
            PointerBuffer platforms = stack.mallocPointer(count[0]);
            OpenClException.check(clGetPlatformIDs(platforms, (int[]) null), "clGetPlatformIDs");
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                int[] n = new int[1];
                if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, n) != CL_SUCCESS || n[0] == 0) {
                    continue; // a platform whose driver found no hardware
                }
                PointerBuffer ids = stack.mallocPointer(n[0]);
                OpenClException.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids, (int[]) null), "clGetDeviceIDs");
                for (int d = 0; d < n[0]; d++) {
                    out.add(describe(out.size(), ids.get(d), platform, platformName));
                }
            }
        }
        return out;
    }

    /**
     * The device a selector names: null or empty picks the default (the first GPU, else the first
     * device), a number picks by index, anything else the first device whose name contains it
     * (ignoring case). Throws, listing the devices, when nothing matches.
     */
    public static Device pick(String selector) {
        List<Device> all = list();
        if (all.isEmpty()) {
            throw new OpenClException("no OpenCL device: the OpenCL library is there but no platform offers a "
                    + "device (install a driver: your GPU vendor's, or PoCL for the CPU: apt install pocl-opencl-icd)");
        }
        if (selector == null || selector.isBlank()) {
            return preferred(all);
        }
        String s = selector.trim();
        if (s.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(s);
            if (i < all.size()) {
                return all.get(i);
            }
        } else {
            for (Device d : all) {
                if (d.name().toLowerCase(Locale.ROOT).contains(s.toLowerCase(Locale.ROOT))) {
                    return d;
                }
            }
        }
        StringBuilder sb = new StringBuilder("no OpenCL device '" + s + "'; the devices are:");
        all.forEach(d -> sb.append("\n  ").append(d));
        throw new OpenClException(sb.toString());
    }

    /** The first GPU, else the first device of any kind. */
    static Device preferred(List<Device> all) {
        return all.stream().filter(Device::isGpu).findFirst().orElse(all.get(0));
    }

    private static Device describe(int index, long id, long platform, String platformName) {
        long singleFp = deviceLong(id, CL_DEVICE_SINGLE_FP_CONFIG);
        String extensions = deviceString(id, CL_DEVICE_EXTENSIONS);
        return new Device(index, id, platform, platformName, deviceString(id, CL_DEVICE_NAME).trim(),
                deviceString(id, CL_DEVICE_VENDOR).trim(), type(deviceLong(id, CL_DEVICE_TYPE)),
                deviceString(id, CL_DEVICE_VERSION).trim(), deviceString(id, CL_DRIVER_VERSION).trim(),
                deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE), (int) deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                devicePointer(id, CL_DEVICE_MAX_WORK_GROUP_SIZE), extensions.contains("cl_khr_fp64"),
                (singleFp & 0x80) != 0); // CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT
    }

    private static String type(long bits) {
        if ((bits & CL_DEVICE_TYPE_GPU) != 0) {
            return "GPU";
        }
        if ((bits & CL_DEVICE_TYPE_ACCELERATOR) != 0) {
            return "ACCELERATOR";
        }
        if ((bits & CL_DEVICE_TYPE_CPU) != 0) {
            return "CPU";
        }
        return "OTHER";
    }

    static String platformString(long platform, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenClException.check(clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "clGetPlatformInfo");
            ByteBuffer b = stack.malloc((int) size.get(0));
            OpenClException.check(clGetPlatformInfo(platform, param, b, null), "clGetPlatformInfo");
            return text(b);
        }
    }

    static String deviceString(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            OpenClException.check(clGetDeviceInfo(device, param, (ByteBuffer) null, size), "clGetDeviceInfo");
            ByteBuffer b = org.lwjgl.system.MemoryUtil.memAlloc((int) size.get(0));
            try {
                OpenClException.check(clGetDeviceInfo(device, param, b, null), "clGetDeviceInfo");
                return text(b);
            } finally {
                org.lwjgl.system.MemoryUtil.memFree(b);
            }
        }
    }

    private static long deviceLong(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var v = stack.mallocLong(1);
            OpenClException.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    private static long deviceInt(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var v = stack.mallocInt(1);
            OpenClException.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0) & 0xFFFFFFFFL;
        }
    }

    private static long devicePointer(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer v = stack.mallocPointer(1);
            OpenClException.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    /** A NUL-terminated string from an info query. */
    private static String text(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}
