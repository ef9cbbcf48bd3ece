package org.llmexplorer.app.viewmodel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.app.store.AppDirs;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.opencl.DeviceMemory;

/**
 * The application's loop of switching models and backends, cancelling loads and replies, over
 * and over: afterwards as many threads, mapped model files, device buffers and heap as after the
 * first rounds. 40 rounds in the normal test run; {@code -Dswitch.count=1000}
 * ({@code scripts/switch-loop 1000}) for the long run. One JSON line of figures at the end.
 */
class SwitchLoopTest {
    static final int COUNT = Integer.getInteger("switch.count", 40);
    static final int WARM_UP = 8;
    static final Path A = Path.of("..", "shared", "models", "stories260K.gguf");
    static final Path B = Path.of("..", "shared", "models", "stories260K-Q8_0-F16.gguf");

    @TempDir
    Path config;

    record Figures(int threads, long mappings, long deviceBytes, int deviceContexts, long heapMiB) {
        String json() {
            return String.format("{\"threads\":%d,\"mapped_model_files\":%d,\"device_bytes\":%d,\"device_contexts\":%d,"
                    + "\"heap_mib\":%d}", threads, mappings, deviceBytes, deviceContexts, heapMiB);
        }
    }

    static Figures measure() throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        long maps;
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            maps = lines.filter(l -> l.endsWith(".gguf")).count();
        } catch (java.io.IOException e) {
            maps = -1; // not Linux: not measured
        }
        Runtime rt = Runtime.getRuntime();
        return new Figures(ManagementFactory.getThreadMXBean().getThreadCount(), maps, DeviceMemory.bytesInUse(),
                DeviceMemory.openContexts(), (rt.totalMemory() - rt.freeMemory()) >> 20);
    }

    @Test
    void switchingAndCancellingOverAndOverLeaksNoThreadMappingOrDeviceMemory() throws Exception {
        ExecutorService ui = Executors.newSingleThreadExecutor();
        var device = Backends.choices().stream().filter(c -> c.name().startsWith("opencl")).findFirst();
        var simd = Backends.choices().stream().filter(c -> c.name().equals("simd")).findFirst().orElseThrow();
        Figures base = null;
        long deviceFirst = -1;
        long deviceLast = -1;
        int replies = 0;
        int cancelled = 0;
        long t0 = System.nanoTime();
        try (ExplorerViewModel vm = on(ui, () -> new ExplorerViewModel(ui, new AppDirs(config, config.resolve("chats"),
                config.resolve("models"))))) {
            for (int i = 0; i < COUNT; i++) {
                if (i == WARM_UP) {
                    base = measure();
                }
                Path model = i % 2 == 0 ? A : B;
                CompletableFuture<?> open = on(ui, () -> vm.model.open(model));
                if (i % 3 == 0) {
                    on(ui, () -> {
                        vm.model.cancel();
                        return null;
                    });
                }
                if (!settle(open)) {
                    cancelled++;
                }
                if (on(ui, () -> vm.model.modelProperty().get()) == null) {
                    continue;
                }
                if (device.isPresent() && i % 4 == 1) {
                    var next = i % 8 == 1 ? device.get() : simd;
                    settle(on(ui, () -> vm.model.useBackend(next)));
                }
                CompletableFuture<?> reply = on(ui, () -> {
                    vm.sampling.maxTokens.set(6);
                    vm.chat.input.set("Once upon a time");
                    return vm.chat.send();
                });
                if (i % 2 == 1) {
                    on(ui, () -> {
                        vm.chat.stop();
                        return null;
                    });
                }
                if (settle(reply)) {
                    replies++;
                }
                if (device.isPresent() && i >= WARM_UP && i % 8 == 2) { // the model on the device, a reply made
                    deviceLast = measure().deviceBytes();
                    deviceFirst = deviceFirst < 0 ? deviceLast : deviceFirst;
                }
                if (i % 7 == 0) {
                    settle(on(ui, vm.attention::refresh));
                }
                if (i % 5 == 0) {
                    on(ui, () -> {
                        vm.history.newChat();
                        return null;
                    });
                }
            }
            settle(vm.history.flush());
        }
        ui.shutdown();
        Figures end = measure();
        System.out.printf("{\"switch_loop\":{\"rounds\":%d,\"replies\":%d,\"cancelled_loads\":%d,\"device\":%s,"
                + "\"seconds\":%.1f,\"device_bytes_while_on_device_first_last\":[%d,%d],\"after_warm_up\":%s,"
                + "\"at_end\":%s}}%n", COUNT, replies, cancelled, device.isPresent(), (System.nanoTime() - t0) / 1e9,
                deviceFirst, deviceLast, base == null ? "null" : base.json(), end.json());
        if (base != null) {
            assertTrue(end.threads() <= base.threads() + 2, "threads " + base.threads() + " -> " + end.threads());
            assertTrue(end.mappings() <= base.mappings(), "mapped model files " + base.mappings() + " -> " + end.mappings());
            assertEquals(0, end.deviceBytes(), "device buffers left when the session closed");
            assertTrue(deviceLast <= deviceFirst + (1 << 20), "device buffers grew while the loop ran: " + deviceFirst
                    + " -> " + deviceLast);
            assertEquals(0, end.deviceContexts(), "device contexts left when the session closed");
            assertTrue(end.heapMiB() <= base.heapMiB() + 64, "heap " + base.heapMiB() + " -> " + end.heapMiB() + " MiB");
        }
    }

    /** Waits for a command; false when it failed or was cancelled (which the loop does on purpose). */
    private static boolean settle(CompletableFuture<?> f) throws Exception {
        try {
            f.get(60, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static <T> T on(ExecutorService ui, Callable<T> work) throws Exception {
        return ui.submit(work).get(60, TimeUnit.SECONDS);
    }
}
