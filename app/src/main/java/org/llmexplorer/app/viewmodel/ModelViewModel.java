package org.llmexplorer.app.viewmodel;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.session.ModelSummary;
import org.llmexplorer.server.LlmxServer;

/** The model card and loading: which model is open, loading progress, recent files. */
public final class ModelViewModel {
    private final AppContext ctx;
    private final ReadOnlyObjectWrapper<ModelSummary> model = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("no model");
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(0);
    private final ReadOnlyBooleanWrapper loading = new ReadOnlyBooleanWrapper(false);
    private final ObservableList<String> recent = FXCollections.observableArrayList();
    private final ObservableList<Backends.Choice> backends = FXCollections.observableArrayList();
    /** The chosen backend; setting it moves the open model there (see {@link #useBackend}). */
    public final ObjectProperty<Backends.Choice> backend = new SimpleObjectProperty<>();

    /** Threads of the CPU backend: the saved choice, or one per core. */
    private final javafx.beans.property.ReadOnlyIntegerWrapper cpuThreads = new javafx.beans.property.ReadOnlyIntegerWrapper();

    /** Where the open model is served over the OpenAI-compatible API on 127.0.0.1, or "". */
    private final ReadOnlyStringWrapper serving = new ReadOnlyStringWrapper("");
    private volatile LlmxServer server;
    /** The port {@link #serve} listens on (0: a free one). */
    public int servePort = 8080;

    ModelViewModel(AppContext ctx) {
        this.ctx = ctx;
        recent.setAll(ctx.settings.recentModels);
        String saved = ctx.settings.backend == null || ctx.settings.backend.isBlank() ? "auto" : ctx.settings.backend;
        Backends.Choice initial = new Backends.Choice(saved, saved);
        backends.setAll(initial);
        backend.set(initial);
        int threads = ctx.settings.cpuThreads;
        cpuThreads.set(threads > 0 ? threads : Backends.defaultThreads());
        ctx.session.backend(saved, cpuThreads.get());
    }

    public javafx.beans.property.ReadOnlyIntegerProperty cpuThreadsProperty() {
        return cpuThreads.getReadOnlyProperty();
    }

    /**
     * Runs the CPU backend on this many threads from now on and remembers it; the open model is
     * prepared again for the new pool (as when the backend changes). Fewer threads than cores
     * can be faster where the window's drawing competes for them (docs/PERFORMANCE.md, item 18).
     */
    public CompletableFuture<ModelSummary> useThreads(int threads) {
        int n = Math.max(1, threads);
        cpuThreads.set(n);
        ctx.settings.cpuThreads = n;
        ctx.saveSettings();
        Backends.Choice b = backend.get();
        if (b == null || REMOTE.equals(b)) { // a server's engine: used when a local backend is chosen again
            return CompletableFuture.completedFuture(model.get());
        }
        return ctx.session.switchBackend(b.name(), n);
    }

    /** The backends to choose from: the CPU ones at once, OpenCL devices once {@link #discoverBackends} ran. */
    public ObservableList<Backends.Choice> backends() {
        return backends;
    }

    /** Lists the OpenCL devices off the UI thread (PoCL takes a second to answer). */
    public CompletableFuture<Void> discoverBackends() {
        return CompletableFuture.supplyAsync(Backends::choices).thenAccept(list -> ctx.ui.execute(() -> {
            String chosen = backend.get() == null ? "auto" : backend.get().name();
            backends.setAll(list);
            backends.add(REMOTE);
            backends.stream().filter(c -> c.name().equals(chosen)).findFirst().ifPresentOrElse(backend::set, () -> {
                Backends.Choice gone = new Backends.Choice(chosen, chosen + " (not on this machine)");
                backends.add(gone);
                backend.set(gone);
            });
        }));
    }

    /**
     * Runs the open model (and the ones opened later) on this backend and remembers it. One
     * that cannot start leaves the model where it was and says why in the status line.
     */
    public CompletableFuture<ModelSummary> useBackend(Backends.Choice choice) {
        Backends.Choice before = backend.get();
        backend.set(choice);
        return ctx.session.switchBackend(choice.name(), cpuThreads.get())
                .whenComplete((summary, error) -> ctx.ui.execute(() -> {
                    if (error == null) {
                        ctx.settings.backend = choice.name();
                        ctx.saveSettings();
                    } else {
                        backend.set(before);
                    }
                }));
    }

    public ReadOnlyObjectProperty<ModelSummary> modelProperty() {
        return model.getReadOnlyProperty();
    }

    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    public ReadOnlyBooleanProperty loadingProperty() {
        return loading.getReadOnlyProperty();
    }

    public ObservableList<String> recent() {
        return recent;
    }

    /** Opens a model in the background; the window stays usable and the chat is kept. */
    public CompletableFuture<ModelSummary> open(Path path) {
        loading.set(true);
        progress.set(-1);
        status.set("loading " + path.getFileName() + "…");
        return ctx.session.open(path).whenComplete((summary, error) -> ctx.ui.execute(() -> {
            loading.set(false);
            if (error == null) {
                ctx.settings.remember(path.toAbsolutePath().normalize().toString()); // one entry per file, however reached
                recent.setAll(ctx.settings.recentModels);
                ctx.saveSettings();
            } else {
                progress.set(0);
                status.set(model.get() == null ? "no model" : "model: " + model.get().name());
            }
        }));
    }

    /** The choice in "Runs on" that connects to an OpenAI-compatible server instead of running here. */
    public static final Backends.Choice REMOTE = new Backends.Choice("remote", "an OpenAI-compatible server…");

    /**
     * Runs the conversation on a model of an OpenAI-compatible server (llmx serve, vLLM,
     * llama.cpp's server, Ollama); blank model: the first it lists. The address is remembered.
     */
    public CompletableFuture<ModelSummary> connect(String address, String apiKey, String modelId) {
        loading.set(true);
        progress.set(-1);
        status.set("connecting to " + address + "…");
        return ctx.session.connect(address, apiKey, modelId).whenComplete((summary, error) -> ctx.ui.execute(() -> {
            loading.set(false);
            if (error == null) {
                stopServing();
                serving.set("");
                ctx.settings.remoteAddress = address;
                ctx.saveSettings();
            } else {
                progress.set(0);
                status.set(model.get() == null ? "no model" : "model: " + model.get().name());
            }
        }));
    }

    /** The models a server lists in /v1/models (off the UI thread; fails with the reason in words). */
    public CompletableFuture<java.util.List<String>> remoteModels(String address, String apiKey) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new org.llmexplorer.engine.remote.OpenAiClient(address, apiKey, java.time.Duration.ofSeconds(15))
                        .models().stream().map(org.llmexplorer.engine.remote.OpenAiClient.ModelInfo::id).toList();
            } catch (org.llmexplorer.engine.remote.RemoteException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    /** The last server address connected to, or the usual one of llmx serve. */
    public String lastRemoteAddress() {
        String a = ctx.settings.remoteAddress;
        return a == null || a.isBlank() ? "http://127.0.0.1:8080" : a;
    }

    public void cancel() {
        ctx.session.stop();
    }

    /** "http://127.0.0.1:PORT/v1" while the open model is served, "" otherwise. */
    public ReadOnlyStringProperty servingProperty() {
        return serving.getReadOnlyProperty();
    }

    /**
     * Serves the open model over the OpenAI-compatible API on 127.0.0.1 (as {@code llmx serve}
     * does), or stops. The server maps the same file and runs on its own thread, so chatting here
     * goes on; opening another model serves that one instead.
     */
    public CompletableFuture<String> serve(boolean on) {
        ModelSummary m = model.get();
        return CompletableFuture.supplyAsync(() -> restartServer(on ? m : null, on)).whenComplete((url, error) -> ctx.ui.execute(() -> {
            serving.set(error == null ? url : "");
            if (error != null) {
                ctx.alert(org.llmexplorer.engine.Errors.describe(error.getCause() != null ? error.getCause() : error));
            } else if (!url.isEmpty()) {
                ctx.notice(m.name() + " is served at " + url + " (OpenAI-compatible)");
            }
        }));
    }

    /** Stops the server, then (when {@code on}) serves m: one at a time, so quick toggles cannot leave two. */
    private synchronized String restartServer(ModelSummary m, boolean on) {
        stopServing();
        if (!on) {
            return "";
        }
        if (m == null || m.path() == null) {
            throw new IllegalStateException(m == null ? "open a model to serve it"
                    : "a model on a remote server is served by that server already");
        }
        try {
            server = LlmxServer.start(LlmxServer.Options.local(m.path(), servePort));
        } catch (Exception e) {
            throw new IllegalStateException("cannot serve on port " + servePort + ": "
                    + org.llmexplorer.engine.Errors.describe(e), e);
        }
        return server.url() + "/v1";
    }

    synchronized void stopServing() {
        LlmxServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    void loading(String what, double p) {
        status.set(what);
        progress.set(p);
    }

    void loaded(ModelSummary summary) {
        boolean reServe = !serving.get().isEmpty() && summary.path() != null
                && (model.get() == null || !summary.path().equals(model.get().path()));
        model.set(summary);
        if (reServe) {
            serve(true);
        }
        status.set("model: " + summary.name() + " on " + summary.backend());
        if (summary.path() == null && !REMOTE.equals(backend.get())) {
            backend.set(REMOTE);
        }
        progress.set(1);
    }
}
