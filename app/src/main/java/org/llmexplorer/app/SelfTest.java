package org.llmexplorer.app;

import org.llmexplorer.app.store.AppDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.image.PixelReader;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import org.llmexplorer.app.view.MainWindow;
import org.llmexplorer.app.viewmodel.ExplorerViewModel;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.generate.GenerationResult;
import org.llmexplorer.engine.generate.Generator;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.sampling.Sampler;
import org.llmexplorer.opencl.SignalChaining;

/**
 * {@code --self-test [--model F]}: what an installed copy runs to show it works. Loads the model,
 * generates 8 greedy tokens on each CPU backend and on OpenCL where a device is present, then opens the
 * window with the model, streams a short reply and renders every panel off-screen; prints one
 * line of JSON and exits 0, or exits 1 with {"ok": false, "error": ...}.
 */
public final class SelfTest {
    private static final int TOKENS = 8;

    private SelfTest() {
    }

    public static int run(List<String> args) {
        long start = System.nanoTime();
        Map<String, Object> out = new LinkedHashMap<>();
        int code = 0;
        try {
            Path model = ExplorerApp.initialModel(args, null);
            if (model == null) {
                throw new IllegalArgumentException("no model: pass --model FILE.gguf (no default model found beside the application)");
            }
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("model file not found: " + model);
            }
            out.put("model", model.getFileName().toString());
            out.put("java", Runtime.version().toString());
            Map<String, Object> backends = new LinkedHashMap<>();
            for (String backend : List.of("scalar", "simd")) {
                backends.put(backend, generate(model, backend));
            }
            boolean openCl = false;
            try {
                backends.put("opencl", generate(model, "opencl"));
                openCl = true;
            } catch (RuntimeException | LinkageError e) { // no OpenCL library or device: said, not failed
                backends.put("opencl", "not available: " + e.getMessage());
            }
            out.put("backends", backends);
            // Where the driver compiled our kernels, the JVM must still hold its own signals (SignalChaining).
            Map<String, String> handlers = SignalChaining.handlerOwners();
            out.put("signal_handlers", handlers);
            if (openCl && handlers.values().stream().anyMatch(owner -> !owner.equals("libjvm.so"))) {
                throw new IllegalStateException("the OpenCL driver took over the JVM's signal handlers " + handlers
                        + " (libjsig preloaded: " + SignalChaining.active() + ")");
            }
            out.put("panels", renderPanels(model));
            out.put("ok", true);
        } catch (Throwable e) {
            out.put("ok", false);
            out.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
            code = 1;
        }
        out.put("ms", (System.nanoTime() - start) / 1_000_000);
        System.out.println(json(out));
        return code;
    }

    private static Map<String, Object> generate(Path file, String backend) throws Exception {
        try (Model model = Model.open(file); Compute ops = Backends.create(backend, Backends.defaultThreads())) {
            int[] prompt = model.tokenizer().encode("Once upon a time", true, true);
            long t0 = System.nanoTime();
            GenerationResult r = new Generator(model, ops, prompt.length + TOKENS)
                    .generate(prompt, TOKENS, Sampler.greedy(), 0, null, null);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (r.generatedIds().length == 0) {
                throw new IllegalStateException(backend + " generated nothing");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tokens", r.generatedIds());
            m.put("text", r.text());
            m.put("tokens_per_s", Math.round(r.generatedIds().length / seconds * 10) / 10.0);
            return m;
        }
    }

    /** Opens the window on the model, streams a reply, and snapshots each panel; returns their sizes. */
    private static Map<String, Object> renderPanels(Path model) throws Exception {
        startToolkit();
        Path config = Files.createTempDirectory("llmx-self-test");
        ExplorerViewModel vm = new ExplorerViewModel(Platform::runLater,
                new AppDirs(config, config.resolve("chats"), config.resolve("models")));
        try {
            AtomicReference<MainWindow> window = new AtomicReference<>();
            AtomicReference<CompletableFuture<?>> opened = new AtomicReference<>();
            onFx(() -> {
                Stage stage = new Stage();
                window.set(new MainWindow(stage, vm));
                stage.show();
                opened.set(vm.model.open(model));
            });
            opened.get().get(60, TimeUnit.SECONDS);
            AtomicReference<CompletableFuture<?>> reply = new AtomicReference<>();
            onFx(() -> {
                vm.sampling.maxTokens.set(TOKENS);
                vm.chat.input.set("Once upon a time");
                reply.set(vm.chat.send());
            });
            reply.get().get(60, TimeUnit.SECONDS);
            Map<String, Object> panels = new LinkedHashMap<>();
            List<String> blank = new ArrayList<>();
            int tabs = window.get().tabs().getTabs().size();
            for (int t = 0; t < tabs; t++) {
                int index = t;
                AtomicReference<String> name = new AtomicReference<>();
                AtomicReference<WritableImage> image = new AtomicReference<>();
                onFx(() -> {
                    window.get().tabs().getSelectionModel().select(index);
                    name.set(window.get().tabs().getTabs().get(index).getText().toLowerCase());
                });
                onFx(() -> image.set(snapshot(window.get().scene().getRoot())));
                WritableImage img = image.get();
                panels.put(name.get(), List.of((int) img.getWidth(), (int) img.getHeight()));
                if (uniform(img)) {
                    blank.add(name.get());
                }
            }
            if (!blank.isEmpty()) {
                throw new IllegalStateException("panels rendered blank: " + blank);
            }
            onFx(() -> window.get().scene().getWindow().hide());
            return panels;
        } finally {
            vm.close();
            deleteTree(config);
        }
    }

    /** The self-test's settings and chats are its own: nothing of them stays behind. */
    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void startToolkit() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        try {
            Platform.startup(started::countDown);
        } catch (IllegalStateException alreadyRunning) {
            started.countDown();
        }
        Platform.setImplicitExit(false);
        if (!started.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("JavaFX did not start (is there a display? run under xvfb-run)");
        }
    }

    private static void onFx(Runnable r) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                r.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        done.get(30, TimeUnit.SECONDS);
    }

    private static WritableImage snapshot(Node node) {
        node.applyCss();
        return node.snapshot(null, null);
    }

    private static boolean uniform(WritableImage img) {
        PixelReader r = img.getPixelReader();
        int first = r.getArgb(0, 0);
        for (int y = 0; y < img.getHeight(); y += 7) {
            for (int x = 0; x < img.getWidth(); x += 7) {
                if (r.getArgb(x, y) != first) {
                    return false;
                }
            }
        }
        return true;
    }

    private static String json(Map<String, Object> m) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m);
        } catch (Exception e) {
            return "{\"ok\":false,\"error\":\"cannot write the summary\"}";
        }
    }
}
