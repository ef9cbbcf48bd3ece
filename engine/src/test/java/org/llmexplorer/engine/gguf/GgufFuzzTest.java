package org.llmexplorer.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.compute.ScalarCompute;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.engine.sampling.SplitMix64;

/**
 * Random damage to real model files, many at a time: truncations, bytes changed, huge counts and
 * lengths, wrong value and tensor types, tensor offsets out of range, overlapping or misaligned,
 * bad dimensions, bad alignment, keys that are not UTF-8, and several of these at once. Every
 * damaged file must either be refused with a {@link GgufFormatException} that names a field and
 * a byte offset, or (when the damage leaves a valid file) open as a model that runs a step;
 * never another exception, a hang or an out-of-memory error. 600 files in the normal test run;
 * {@code -Dfuzz.count=10000} ({@code scripts/fuzz-gguf 10000}) for the long run. One JSON line of
 * figures at the end.
 */
class GgufFuzzTest {
    static final int COUNT = Integer.getInteger("fuzz.count", 600);
    static final String[] SEEDS = {"models/stories260K-Q8_0-F16.gguf", "models/stories260K.gguf",
        "tokenizers/llama2.gguf"};

    @Test
    void damagedFilesAreRefusedWithAFieldAndAnOffsetOrRunCleanly() throws Exception {
        Path dir = Files.isDirectory(Path.of("/dev/shm")) ? Files.createTempDirectory(Path.of("/dev/shm"), "llmx-fuzz")
                : Files.createTempDirectory("llmx-fuzz");
        List<byte[]> seeds = new ArrayList<>();
        List<HeaderLayout> layouts = new ArrayList<>();
        for (String s : SEEDS) {
            byte[] b = Files.readAllBytes(Shared.path(s));
            seeds.add(b);
            layouts.add(new HeaderLayout(b));
        }
        Map<String, int[]> byKind = new TreeMap<>(); // kind -> refused, opened
        List<String> failures = new ArrayList<>();
        long slowest = 0;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz");
            t.setDaemon(true);
            return t;
        });
        ScalarCompute ops = new ScalarCompute();
        try {
            for (int i = 0; i < COUNT; i++) {
                SplitMix64 r = new SplitMix64(0x5EED_0000L + i);
                int s = (int) Math.floorMod(r.nextLong(), (long) seeds.size());
                Damaged d = mutate(seeds.get(s).clone(), layouts.get(s), r);
                if (r.nextDouble() < 0.15 && d.bytes().length == seeds.get(s).length) { // sometimes two damages at once
                    Damaged again = mutate(d.bytes(), layouts.get(s), r);
                    d = new Damaged(again.bytes(), d.kind() + "+" + again.kind());
                }
                String kind = d.kind();
                Path file = dir.resolve("fuzz-" + i + ".gguf");
                Files.write(file, d.bytes());
                String outcome;
                long t0 = System.nanoTime();
                Future<String> f = worker.submit(() -> check(file, ops));
                try {
                    outcome = f.get(20, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    outcome = "hang";
                }
                slowest = Math.max(slowest, System.nanoTime() - t0);
                Files.deleteIfExists(file);
                String base = kind.split("\\+")[0];
                int[] counts = byKind.computeIfAbsent(base, k -> new int[2]);
                if (outcome.equals("refused")) {
                    counts[0]++;
                } else if (outcome.equals("ran")) {
                    counts[1]++;
                } else {
                    failures.add("#" + i + " " + SEEDS[s] + " " + kind + ": " + outcome);
                }
            }
        } finally {
            worker.shutdownNow();
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
        int refused = byKind.values().stream().mapToInt(c -> c[0]).sum();
        int ran = byKind.values().stream().mapToInt(c -> c[1]).sum();
        StringBuilder kinds = new StringBuilder();
        byKind.forEach((k, c) -> kinds.append(kinds.isEmpty() ? "" : ",").append("\"").append(k).append("\":[")
                .append(c[0]).append(",").append(c[1]).append("]"));
        System.out.printf("{\"fuzz\":{\"files\":%d,\"refused\":%d,\"ran\":%d,\"failures\":%d,\"slowest_ms\":%.0f,"
                + "\"by_damage_refused_ran\":{%s}}}%n", COUNT, refused, ran, failures.size(), slowest / 1e6, kinds);
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
        assertTrue(refused > COUNT / 2, "most damage is refused: " + refused);
    }

    /** Opens a file as a model and runs a step: "refused" (with a field and an offset), "ran", or what went wrong. */
    static String check(Path file, ScalarCompute ops) {
        try (Model m = Model.open(file)) {
            int[] prompt = m.tokenizer().encode("Once upon a time", true, false);
            new Generator(m, ops, prompt.length + 2).generate(prompt, 1, Sampler.greedy(), 0, null, null);
            return "ran";
        } catch (GgufFormatException e) {
            if (e.field() == null || e.field().isBlank() || e.offset() < 0 || !e.getMessage().contains(file.getFileName().toString())) {
                return "refused without a field, offset or file name: " + e.getMessage();
            }
            return "refused";
        } catch (Throwable e) {
            StackTraceElement[] at = e.getStackTrace();
            return e.getClass().getName() + ": " + e.getMessage() + (at.length > 0 ? " at " + at[0] : "")
                    + (at.length > 1 ? " < " + at[1] : "");
        }
    }

    /** Damaged bytes and the kind of damage. */
    record Damaged(byte[] bytes, String kind) {
    }

    /** One damage to the bytes (changed in place, or cut short), chosen by r. */
    static Damaged mutate(byte[] b, HeaderLayout l, SplitMix64 r) {
        try {
            return damage(b, l, r);
        } catch (IndexOutOfBoundsException e) { // a field too near the end for this damage (a file without tensors)
            b[(int) (r.nextDouble() * l.headerEnd)] ^= (byte) 0x5A;
            return new Damaged(b, "bytes");
        }
    }

    private static Damaged damage(byte[] b, HeaderLayout l, SplitMix64 r) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        List<String> fields = new ArrayList<>(l.offsets.keySet());
        int kind = (int) Math.floorMod(r.nextLong(), 10L);
        switch (kind) {
            case 0 -> { // truncation, mostly inside the header
                long end = r.nextDouble() < 0.7 ? (long) (r.nextDouble() * l.headerEnd) : (long) (r.nextDouble() * b.length);
                return new Damaged(java.util.Arrays.copyOf(b, (int) end), "truncation");
            }
            case 1 -> { // a few bytes of the header changed
                int n = 1 + (int) Math.floorMod(r.nextLong(), 4L);
                for (int k = 0; k < n; k++) {
                    int at = (int) (r.nextDouble() * l.headerEnd);
                    b[at] = (byte) r.nextLong();
                }
                return new Damaged(b, "bytes");
            }
            case 2 -> { // huge counts and lengths
                String f = pick(fields, r, "_count", ".key", ".name");
                long[] huge = {Long.MAX_VALUE, 1L << 40, 1L << 31, -1L, 0xFFFFFFFFL};
                buf.putLong((int) l.at(f), huge[(int) Math.floorMod(r.nextLong(), (long) huge.length)]);
                return new Damaged(b, "huge-count");
            }
            case 3 -> { // wrong value type of a key
                String f = pick(fields, r, ".type");
                if (f.startsWith("tensor")) {
                    buf.putInt((int) l.at(f), (int) Math.floorMod(r.nextLong(), 45L) - 2);
                    return new Damaged(b, "tensor-type");
                }
                buf.putInt((int) l.at(f), (int) Math.floorMod(r.nextLong(), 16L) - 1);
                return new Damaged(b, "value-type");
            }
            case 4 -> { // tensor offsets: past the end, onto another tensor, off the alignment
                String f = pick(fields, r, ".offset");
                int at = (int) l.at(f);
                long old = buf.getLong(at);
                int how = (int) Math.floorMod(r.nextLong(), 3L);
                long next = how == 0 ? b.length + (long) (r.nextDouble() * 1e9) : how == 1 ? 0 : old + 1 + Math.floorMod(r.nextLong(), 31L);
                buf.putLong(at, next);
                return new Damaged(b, "offset");
            }
            case 5 -> { // dimensions and their count
                String f = pick(fields, r, ".ne[", ".ndims");
                int at = (int) l.at(f);
                if (f.endsWith(".ndims")) {
                    buf.putInt(at, new int[] {0, 5, 100, -1}[(int) Math.floorMod(r.nextLong(), 4L)]);
                } else {
                    buf.putLong(at, new long[] {0, -1, 1L << 40, 3, Long.MAX_VALUE}[(int) Math.floorMod(r.nextLong(), 5L)]);
                }
                return new Damaged(b, "dims");
            }
            case 6 -> { // keys that are not UTF-8
                String f = pick(fields, r, ".key");
                int at = (int) l.at(f);
                long len = buf.getLong(at);
                if (len > 0 && at + 8 + len <= b.length) { // (an earlier damage may have changed the length)
                    b[at + 8 + (int) Math.floorMod(r.nextLong(), len)] = (byte) 0xFF;
                }
                return new Damaged(b, "not-utf8");
            }
            case 7 -> { // arrays: element type or length
                String f = pick(fields, r, ".value");
                int at = (int) l.at(f);
                buf.putInt(at, (int) Math.floorMod(r.nextLong(), 14L));
                if (r.nextDouble() < 0.5 && at + 12 <= b.length) {
                    buf.putLong(at + 4, 1L << (int) Math.floorMod(r.nextLong(), 62L));
                }
                return new Damaged(b, "array");
            }
            case 8 -> { // the version and the magic
                buf.putInt(r.nextDouble() < 0.5 ? 4 : 0, (int) r.nextLong());
                return new Damaged(b, "version-magic");
            }
            default -> { // bytes anywhere, the data too
                for (int k = 0; k < 16; k++) {
                    b[(int) (r.nextDouble() * b.length)] = (byte) r.nextLong();
                }
                return new Damaged(b, "anywhere");
            }
        }
    }

    private static String pick(List<String> fields, SplitMix64 r, String... containing) {
        List<String> fit = fields.stream().filter(f -> java.util.Arrays.stream(containing).anyMatch(f::contains)).toList();
        List<String> from = fit.isEmpty() ? fields : fit;
        return from.get((int) Math.floorMod(r.nextLong(), (long) from.size()));
    }
}
