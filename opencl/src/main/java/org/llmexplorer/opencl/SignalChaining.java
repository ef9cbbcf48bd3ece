package org.llmexplorer.opencl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * OpenCL drivers built on LLVM (PoCL on the CPU, Mesa's) install LLVM's own handlers for SIGSEGV,
 * SIGBUS, SIGFPE and SIGILL when they compile a program. The JVM takes those signals on purpose
 * (a safepoint poll or an implicit null check faults), so once LLVM's handler is in place the
 * next such fault runs LLVM's handler instead, and two threads faulting together end the process:
 * "Segmentation fault", no hs_err file (one run in three of SwitchLoopTest on PoCL with LLVM 15;
 * the core showed a Java thread's fault beside a thread inside LLVM's handler restoring the old
 * handlers). The JVM's remedy is signal chaining: its libjsig, preloaded with LD_PRELOAD, keeps
 * the JVM's handlers installed and hands the driver's handler only the faults that are not the
 * JVM's. The {@code llmx} script and the tests preload it; the desktop application starts itself
 * again with it where it was not ({@link #restartWithChaining}).
 */
public final class SignalChaining {
    /** The signals the JVM handles itself and LLVM's handlers take over. */
    static final Map<String, Integer> JVM_SIGNALS = Map.of("SIGILL", 4, "SIGBUS", 7, "SIGFPE", 8, "SIGSEGV", 11);
    /** Set in the environment of the restarted process, so a restart that did not help is not tried again. */
    static final String RESTARTED = "LLMX_SIGNAL_CHAINING";

    private SignalChaining() {
    }

    private static boolean linux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    /** The running JDK's libjsig, where it has one (Linux). */
    public static Optional<Path> library() {
        Path lib = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
        return linux() && Files.isRegularFile(lib) ? Optional.of(lib) : Optional.empty();
    }

    /** Whether libjsig is loaded into this process (always true where the platform needs none). */
    public static boolean active() {
        if (!linux()) {
            return true;
        }
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.anyMatch(l -> l.endsWith("/libjsig.so"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /**
     * Whether this machine registers any OpenCL driver (an ICD file in /etc/OpenCL/vendors or
     * where OCL_ICD_VENDORS points): without one, no driver will ever compile in this process.
     */
    static boolean driversRegistered() {
        String vendors = System.getenv().getOrDefault("OCL_ICD_VENDORS", "/etc/OpenCL/vendors");
        Path folder = Path.of(vendors);
        if (Files.isRegularFile(folder)) {
            return true;
        }
        try (var files = Files.list(folder)) {
            return files.anyMatch(p -> p.toString().endsWith(".icd"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Where this machine could load an OpenCL driver into a JVM that runs without signal chaining,
     * replaces this process (same pid, same arguments, environment plus LD_PRELOAD of libjsig) by
     * itself started again, so that the driver cannot take the JVM's signals. Returns (doing
     * nothing) where chaining is active already, not needed, not possible, or turned off
     * ({@code LLMX_SIGNAL_CHAINING=off}), or when the restart fails (said on standard error).
     * Called first thing in main, before any thread of ours runs.
     */
    public static void restartWithChaining() {
        if (active() || System.getenv(RESTARTED) != null || !driversRegistered()) {
            return;
        }
        Optional<Path> lib = library();
        if (lib.isEmpty()) {
            return;
        }
        try {
            List<String> argv = commandLine();
            Map<String, String> env = new TreeMap<>(System.getenv());
            env.put("LD_PRELOAD", withPreload(env.get("LD_PRELOAD"), lib.get().toString()));
            env.put(RESTARTED, "restarted");
            execve("/proc/self/exe", argv, env);
        } catch (Throwable e) { // the restart is a precaution: go on as we are, saying so
            System.err.println("llmx: could not start again with signal chaining (" + e
                    + "); an OpenCL driver built on LLVM may crash this JVM: start it with LD_PRELOAD=" + lib.get());
        }
    }

    /** LD_PRELOAD with the library first (the JVM's handlers must be set through it). */
    static String withPreload(String preload, String library) {
        return preload == null || preload.isBlank() ? library : library + ":" + preload;
    }

    /** This process's arguments as it was started, argv[0] first. */
    private static List<String> commandLine() throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (args.isEmpty()) {
            throw new IOException("/proc/self/cmdline is empty");
        }
        return args;
    }

    /** execve(2): returns only when it failed (then throws saying so). */
    private static void execve(String path, List<String> argv, Map<String, String> env) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle execve = linker.downcallHandle(linker.defaultLookup().find("execve").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS), Linker.Option.captureCallState("errno"));
        List<String> vars = new ArrayList<>();
        env.forEach((k, v) -> vars.add(k + "=" + v));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            System.out.flush();
            System.err.flush();
            int rc = (int) execve.invokeExact(state, arena.allocateFrom(path), strings(arena, argv),
                    strings(arena, vars));
            int errno = state.get(ValueLayout.JAVA_INT,
                    Linker.Option.captureStateLayout().byteOffset(java.lang.foreign.MemoryLayout.PathElement
                            .groupElement("errno")));
            throw new IOException("execve returned " + rc + ", errno " + errno);
        }
    }

    /** A NULL-terminated array of C strings. */
    private static MemorySegment strings(Arena arena, List<String> values) {
        MemorySegment array = arena.allocate(ValueLayout.ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(values.get(i)));
        }
        array.setAtIndex(ValueLayout.ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    /**
     * For each signal the JVM handles, the file of the code its installed handler runs (read from
     * the kernel with rt_sigaction, past any interposer): "libjvm.so" where the JVM still holds
     * it. Empty where this cannot be read (not Linux on x86-64 or AArch64).
     */
    public static Map<String, String> handlerOwners() {
        Map<String, String> owners = new TreeMap<>();
        int rtSigaction = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 13;
            case "aarch64" -> 134;
            default -> -1;
        };
        if (!linux() || rtSigaction < 0) {
            return owners;
        }
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1));
            List<String> maps = Files.readAllLines(Path.of("/proc/self/maps"));
            for (var e : JVM_SIGNALS.entrySet()) {
                MemorySegment old = arena.allocate(64, 8); // the kernel's struct sigaction: the handler first
                long rc = (long) syscall.invokeExact((long) rtSigaction, (long) e.getValue(), MemorySegment.NULL,
                        old, 8L);
                long handler = old.get(ValueLayout.JAVA_LONG, 0);
                owners.put(e.getKey(), rc != 0 ? "unreadable" : mappedFile(maps, handler));
            }
        } catch (Throwable e) {
            owners.clear();
        }
        return owners;
    }

    /** The file name of the mapping that holds this address, "SIG_DFL" / "SIG_IGN" for 0 / 1. */
    static String mappedFile(List<String> maps, long address) {
        if (address == 0 || address == 1) {
            return address == 0 ? "SIG_DFL" : "SIG_IGN";
        }
        for (String line : maps) { // "start-end perms offset dev inode   path"
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash < 0 || space < dash) {
                continue;
            }
            long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
            long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
            if (Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0) {
                String[] fields = line.trim().split("\\s+", 6);
                return fields.length == 6 ? Path.of(fields[5]).getFileName().toString() : "anonymous";
            }
        }
        return "unmapped";
    }
}
