package org.llmexplorer.engine.compute.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory repacked weights live in: zero-filled, writable, aligned, gone when its arena closes;
 * on Linux with transparent huge pages in "madvise" or "always" mode, backed by huge pages.
 */
class PackedMemoryTest {
    private static final long MB = 1L << 20;

    @Test
    void largeAllocationsAreZeroWritableAlignedAndFreedWithTheirArena() throws IOException {
        MemorySegment kept;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PackedMemory.allocate(arena, 5 * MB + 12);
            kept = m;
            assertEquals(5 * MB + 12, m.byteSize());
            assertEquals(0, m.address() % 64);
            if (PackedMemory.mapsHugePages()) {
                assertEquals(0, m.address() % (2 * MB), "a huge-page mapping starts at a 2 MB boundary");
            }
            for (long i = 0; i < m.byteSize(); i += 4093) {
                assertEquals(0, m.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            }
            m.set(ValueLayout.JAVA_LONG, 8, 0x0123456789ABCDEFL);
            m.set(ValueLayout.JAVA_BYTE, m.byteSize() - 1, (byte) 7);
            assertEquals(0x0123456789ABCDEFL, m.get(ValueLayout.JAVA_LONG, 8));
            assertEquals(7, m.get(ValueLayout.JAVA_BYTE, m.byteSize() - 1));
        }
        assertFalse(kept.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> kept.get(ValueLayout.JAVA_BYTE, 0));
        if (PackedMemory.mapsHugePages()) {
            assertFalse(mapped(kept.address()), "the mapping is gone from /proc/self/maps");
        }
    }

    /** Whether a mapping of /proc/self/maps holds address. */
    private static boolean mapped(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16)) {
                return true;
            }
        }
        return false;
    }

    /** A closed arena refuses large allocations as it refuses small ones (the mapping made meanwhile given back). */
    @Test
    void aClosedArenaRefuses() {
        Arena arena = Arena.ofShared();
        arena.close();
        assertThrows(IllegalStateException.class, () -> PackedMemory.allocate(arena, 4 * MB));
        assertThrows(IllegalStateException.class, () -> PackedMemory.allocate(arena, 1000));
    }

    @Test
    void smallAllocationsComeFromTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = PackedMemory.allocate(arena, 1000);
            assertEquals(1000, m.byteSize());
            assertEquals(0, m.address() % 64);
            assertEquals(arena.scope(), m.scope());
        }
    }

    /**
     * Where the kernel grants huge pages on request, and compacts memory for them when a fault
     * asks (its defrag mode), a touched mapping is backed by them (smaps).
     */
    @Test
    void linuxBacksTheMappingWithHugePages() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        Path defrag = Path.of("/sys/kernel/mm/transparent_hugepage/defrag");
        assumeTrue(PackedMemory.mapsHugePages() && Files.isReadable(mode) && Files.isReadable(defrag),
                "Linux with transparent huge pages");
        String enabled = Files.readString(mode);
        assumeTrue(enabled.contains("[madvise]") || enabled.contains("[always]"), "huge pages on request: " + enabled);
        String compaction = Files.readString(defrag);
        assumeTrue(compaction.contains("[always]") || compaction.contains("[madvise]")
                || compaction.contains("[defer+madvise]"), "faults that compact for huge pages: " + compaction);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PackedMemory.allocate(arena, 8 * MB);
            m.fill((byte) 1);
            assertTrue(anonHugeKb(m.address()) >= 2048, "no huge page behind the mapping at 0x"
                    + Long.toHexString(m.address()));
        }
    }

    /** AnonHugePages of the mapping of /proc/self/smaps that holds address, in kB. */
    private static long anonHugeKb(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (String line : lines) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inside = Long.parseUnsignedLong(range[0], 16) <= address && address < Long.parseUnsignedLong(range[1], 16);
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
