package org.llmexplorer.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * Builds the kernel program, keeping the compiled binary on disk so that later runs skip the
 * compiler (seconds on some drivers). A binary is found by a hash of everything that could make
 * it differ: device name, driver and OpenCL versions, build options and the source itself. A
 * binary the driver refuses (a driver update it did not notice, a damaged file) is rebuilt.
 *
 * <p>The folder is {@code $LLMX_CACHE_DIR/opencl} (or the system property {@code llmx.cache.dir}),
 * otherwise the user's cache folder: {@code $XDG_CACHE_HOME/llmx} or {@code ~/.cache/llmx} on
 * Linux, {@code ~/Library/Caches/llmx} on macOS, {@code %LOCALAPPDATA%\llmx} on Windows.
 */
final class ProgramCache {
    private ProgramCache() {
    }

    /** How the last {@link #build} got its program: "cache", "compiled" or "compiled (cache unwritable)". */
    static volatile String lastOrigin = "";

    static long build(long context, Device device, String source, String options) {
        Path file = folder().resolve(key(device, source, options) + ".bin");
        if (Files.isRegularFile(file)) {
            long program = fromBinary(context, device, file, options);
            if (program != 0) {
                lastOrigin = "cache";
                return program;
            }
        }
        long program = fromSource(context, device, source, options);
        lastOrigin = save(program, file) ? "compiled" : "compiled (cache unwritable)";
        return program;
    }

    static Path folder() {
        String explicit = System.getProperty("llmx.cache.dir");
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv("LLMX_CACHE_DIR");
        }
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit, "opencl");
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        Path home = Path.of(System.getProperty("user.home"));
        if (os.contains("win")) {
            String local = System.getenv("LOCALAPPDATA");
            return (local != null ? Path.of(local) : home.resolve("AppData/Local")).resolve("llmx/opencl");
        }
        if (os.contains("mac")) {
            return home.resolve("Library/Caches/llmx/opencl");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache")).resolve("llmx/opencl");
    }

    static String key(Device device, String source, String options) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {device.name(), device.vendor(), device.driver(), device.version(),
                    device.platform(), options, source}) {
                sha.update(part.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long fromSource(long context, Device device, String source, String options) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            var err = stack.mallocInt(1);
            long program = clCreateProgramWithSource(context, source, err);
            OpenClException.check(err.get(0), "clCreateProgramWithSource");
            int status = clBuildProgram(program, device.id(), options, null, 0);
            if (status != CL_SUCCESS) {
                String log = buildLog(program, device);
                clReleaseProgram(program);
                throw new OpenClException("the OpenCL kernels did not build on " + device.name() + " ("
                        + OpenClException.name(status) + "); the compiler said:\n" + log);
            }
            return program;
        }
    }

    /** The program from a cached binary, or 0 when the driver will not take it. */
    private static long fromBinary(long context, Device device, Path file, String options) {
        ByteBuffer binary = null;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            byte[] bytes = Files.readAllBytes(file);
            binary = MemoryUtil.memAlloc(bytes.length).put(bytes).flip();
            var err = stack.mallocInt(1);
            var status = stack.mallocInt(1);
            long program = clCreateProgramWithBinary(context, stack.pointers(device.id()), binary, status, err);
            if (err.get(0) != CL_SUCCESS || status.get(0) != CL_SUCCESS) {
                if (program != 0) {
                    clReleaseProgram(program);
                }
                Files.deleteIfExists(file);
                return 0;
            }
            if (clBuildProgram(program, device.id(), options, null, 0) != CL_SUCCESS) {
                clReleaseProgram(program);
                Files.deleteIfExists(file);
                return 0;
            }
            return program;
        } catch (IOException e) {
            return 0;
        } finally {
            if (binary != null) {
                MemoryUtil.memFree(binary);
            }
        }
    }

    /** Writes the program's binary (atomically: a half-written file is never read); false when it cannot. */
    private static boolean save(long program, Path file) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, size, null) != CL_SUCCESS || size.get(0) == 0) {
                return false;
            }
            ByteBuffer binary = MemoryUtil.memAlloc((int) size.get(0));
            try {
                PointerBuffer where = stack.pointers(binary);
                if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, where, null) != CL_SUCCESS) {
                    return false;
                }
                byte[] bytes = new byte[binary.remaining()];
                binary.get(bytes);
                Files.createDirectories(file.getParent());
                Path tmp = Files.createTempFile(file.getParent(), "program", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } finally {
                MemoryUtil.memFree(binary);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String buildLog(long program, Device device) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            clGetProgramBuildInfo(program, device.id(), CL_PROGRAM_BUILD_LOG, (ByteBuffer) null, size);
            ByteBuffer log = MemoryUtil.memAlloc((int) Math.max(1, size.get(0)));
            try {
                clGetProgramBuildInfo(program, device.id(), CL_PROGRAM_BUILD_LOG, log, null);
                byte[] text = new byte[(int) Math.max(0, size.get(0) - 1)]; // without the final NUL
                log.get(text);
                return new String(text, java.nio.charset.StandardCharsets.UTF_8).strip();
            } finally {
                MemoryUtil.memFree(log);
            }
        }
    }
}
