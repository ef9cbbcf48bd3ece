package org.llmexplorer.engine.compute.simd;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Native memory for a matrix's repacked weights. On Linux it is one anonymous mapping, aligned to
 * 2 MB and advised for transparent huge pages ({@code madvise(MADV_HUGEPAGE)}, which the
 * kernel's default "madvise" mode waits for): the repacking then touches each 2 MB once, where
 * memory from the arena was zeroed and faulted in 4 KB at a time. On a 2-core virtual machine
 * first-touching 1.2 GB took 3.2 s in 4 KB pages and 1.9 s in huge ones, and the faults were most
 * of the time spent repacking a 1.3 GB Q8_0 file (item 25 of docs/PERFORMANCE.md). The mapping is
 * unmapped when the arena closes. Elsewhere, or where a call fails, the arena's own memory.
 */
final class PackedMemory {
    private static final long HUGE_PAGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    /** mmap, madvise and munmap; absent off Linux or where they cannot be found. */
    private static final Optional<Calls> CALLS = Calls.find();

    private PackedMemory() {
    }

    /** bytes of memory that lives until arena closes, aligned to 64 bytes at least. */
    static MemorySegment allocate(Arena arena, long bytes) {
        if (CALLS.isPresent() && bytes >= HUGE_PAGE) {
            MemorySegment mapped = CALLS.get().map(arena, bytes);
            if (mapped != null) {
                return mapped;
            }
        }
        return arena.allocate(bytes, 64);
    }

    /** Whether allocations of 2 MB or more come from huge-page mappings (for tests). */
    static boolean mapsHugePages() {
        return CALLS.isPresent();
    }

    private record Calls(MethodHandle mmap, MethodHandle madvise, MethodHandle munmap) {
        static Optional<Calls> find() {
            if (!System.getProperty("os.name", "").startsWith("Linux")) {
                return Optional.empty();
            }
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                MethodHandle mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                MethodHandle madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
                MethodHandle munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                return Optional.of(new Calls(mmap, madvise, munmap));
            } catch (RuntimeException | LinkageError e) { // no native access, or no such symbol: plain memory
                return Optional.empty();
            }
        }

        /** bytes at a 2 MB boundary of a fresh mapping (zero-filled), or null where mmap fails. */
        MemorySegment map(Arena arena, long bytes) {
            long length = bytes + HUGE_PAGE; // room to move the start to a 2 MB boundary
            long base;
            try {
                MemorySegment mapping = (MemorySegment) mmap.invokeExact(MemorySegment.NULL, length, PROT_READ_WRITE,
                        MAP_PRIVATE_ANONYMOUS, -1, 0L);
                base = mapping.address();
            } catch (Throwable e) {
                return null;
            }
            if (base == -1L) { // MAP_FAILED
                return null;
            }
            try {
                long start = (base + HUGE_PAGE - 1) & -HUGE_PAGE;
                MemorySegment usable = MemorySegment.ofAddress(start).reinterpret(bytes);
                // Refused (THP off, an old kernel): 4 KB pages, as the arena's.
                int ignored = (int) madvise.invokeExact(usable, bytes, MADV_HUGEPAGE);
                return usable.reinterpret(bytes, arena, unused -> unmap(base, length));
            } catch (Throwable e) { // the arena closed meanwhile, say: give the mapping back
                unmap(base, length);
                return null;
            }
        }

        /** munmap; a failure (which a mapping made here only meets by a bug) leaves the range mapped. */
        private void unmap(long address, long length) {
            try {
                int ignored = (int) munmap.invokeExact(MemorySegment.ofAddress(address), length);
            } catch (Throwable e) {
                // nothing to do at close: the address space stays reserved until the process ends
            }
        }
    }
}
