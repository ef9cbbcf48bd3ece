package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The compiled program is kept on disk and found again; a kernel that does not build says why. */
class ProgramCacheTest {

    @Test
    void theSecondBuildComesFromTheCache() throws Exception {
        Path folder = ProgramCache.folder();
        assertTrue(folder.toString().contains("target"), "tests keep their cache under target/: " + folder);
        try (OpenClCompute first = TestDevice.compute()) {
            assertTrue(Files.isDirectory(folder));
        }
        try (Stream<Path> files = Files.list(folder)) {
            assertTrue(files.anyMatch(p -> p.toString().endsWith(".bin")), "a binary in " + folder);
        }
        try (OpenClCompute second = TestDevice.compute()) {
            assertEquals("cache", ProgramCache.lastOrigin);
        }
    }

    @Test
    void aKernelThatDoesNotBuildReportsTheCompilersLog() {
        Device device = TestDevice.get();
        try (ClContext cl = new ClContext(device)) {
            OpenClException e = assertThrows(OpenClException.class, () -> ProgramCache.build(cl.context, device,
                    "kernel void broken(global float* x) { x[0] = undeclared_name; }", ""));
            assertTrue(e.getMessage().contains("did not build") && e.getMessage().contains("undeclared_name"),
                    e.getMessage());
        }
    }

    @Test
    void theKeyChangesWithTheDriverAndTheSource() {
        Device d = TestDevice.get();
        Device updated = new Device(d.index(), d.id(), d.platformId(), d.platform(), d.name(), d.vendor(), d.type(),
                d.version(), d.driver() + "-new", d.globalMemory(), d.maxAllocation(), d.localMemory(),
                d.computeUnits(), d.maxWorkGroupSize(), d.fp64(), d.correctlyRoundedDivide());
        String source = Kernels.source();
        assertEquals(ProgramCache.key(d, source, ""), ProgramCache.key(d, source, ""));
        assertTrue(!ProgramCache.key(d, source, "").equals(ProgramCache.key(updated, source, "")));
        assertTrue(!ProgramCache.key(d, source, "").equals(ProgramCache.key(d, source + " ", "")));
    }
}
