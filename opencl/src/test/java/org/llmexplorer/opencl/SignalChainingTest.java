package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.lwjgl.opencl.CL10.clReleaseProgram;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * An OpenCL driver that compiles with LLVM (PoCL here) must not take the JVM's signals: after a
 * program is compiled, the handlers the kernel runs for SIGSEGV, SIGBUS, SIGFPE and SIGILL are
 * still the JVM's. Without libjsig preloaded (the tests' LD_PRELOAD, see pom.xml) PoCL leaves
 * LLVM's there, and a JVM that then takes a safepoint on two threads at once can die.
 */
class SignalChainingTest {

    @Test
    void theJvmStillHoldsItsSignalsAfterTheDriverCompilesAProgram() {
        Device device = TestDevice.get();
        Map<String, String> before = SignalChaining.handlerOwners();
        assumeTrue(!before.isEmpty(), "the installed handlers cannot be read on this platform");
        try (ClContext cl = new ClContext(device)) {
            // A source no cache has seen, so the driver's compiler runs.
            long program = ProgramCache.build(cl.context, device,
                    "kernel void fresh(global float* x) { x[get_global_id(0)] = " + System.nanoTime() + ".0f; }", "");
            clReleaseProgram(program);
        }
        Map<String, String> expected = new TreeMap<>();
        SignalChaining.JVM_SIGNALS.keySet().forEach(s -> expected.put(s, "libjvm.so"));
        assertEquals(expected, SignalChaining.handlerOwners(), "after " + device.name() + " compiled a program (before: "
                + before + "; libjsig loaded: " + SignalChaining.active() + ", the JDK's: " + SignalChaining.library()
                + ")");
    }

    @Test
    void aJvmStartedWithoutChainingStartsItselfAgainWithIt() throws Exception {
        assumeTrue(SignalChaining.library().isPresent() && SignalChaining.driversRegistered(),
                "no libjsig in this JDK, or no OpenCL driver registered: nothing to restart for");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SignalChainingProbe.class.getName(), "one", "two words").redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove(SignalChaining.RESTARTED);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        // The same process (pid kept by execve) with its arguments, now with libjsig loaded.
        assertTrue(out.endsWith("pid=" + p.pid() + " active=true args=one,two words"), out);

        pb.environment().put(SignalChaining.RESTARTED, "off");
        Process off = pb.start();
        String plain = new String(off.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, off.waitFor(), plain);
        assertTrue(plain.endsWith("active=false args=one,two words"), "turned off: " + plain);
    }

    @Test
    void anAddressIsNamedByTheFileMappedThere() {
        List<String> maps = List.of(
                "7f0000000000-7f0000001000 r-xp 00000000 08:01 1234   /usr/lib/jvm/jdk/lib/server/libjvm.so",
                "7f0000001000-7f0000002000 rw-p 00000000 00:00 0",
                "7f0000002000-7f0000003000 r-xp 00000000 08:01 99     /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1");
        assertEquals("libjvm.so", SignalChaining.mappedFile(maps, 0x7f0000000800L));
        assertEquals("anonymous", SignalChaining.mappedFile(maps, 0x7f0000001000L));
        assertEquals("libLLVM-15.so.1", SignalChaining.mappedFile(maps, 0x7f0000002fffL));
        assertEquals("unmapped", SignalChaining.mappedFile(maps, 0x7f0000003000L));
        assertEquals("SIG_DFL", SignalChaining.mappedFile(maps, 0));
        assertEquals("SIG_IGN", SignalChaining.mappedFile(maps, 1));
    }

    @Test
    void libjsigGoesFirstInThePreloadList() {
        assertEquals("/jdk/lib/libjsig.so", SignalChaining.withPreload(null, "/jdk/lib/libjsig.so"));
        assertEquals("/jdk/lib/libjsig.so", SignalChaining.withPreload(" ", "/jdk/lib/libjsig.so"));
        assertEquals("/jdk/lib/libjsig.so:/opt/x.so", SignalChaining.withPreload("/opt/x.so", "/jdk/lib/libjsig.so"));
    }

    @Test
    void theTestsRunWithChainingWhereTheJdkHasIt() {
        assertTrue(SignalChaining.library().isEmpty() || SignalChaining.active(),
                "libjsig " + SignalChaining.library() + " is not preloaded (surefire's LD_PRELOAD in pom.xml)");
    }
}
