package org.llmexplorer.server;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import org.llmexplorer.engine.cli.BackendOptions;
import org.llmexplorer.engine.cli.Command;
import org.llmexplorer.engine.cli.ModelOption;
import org.llmexplorer.engine.cli.UsageException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code llmx serve}: the model behind the OpenAI-compatible API until the process is stopped. */
@picocli.CommandLine.Command(name = "serve",
        description = "the OpenAI-compatible API (chat, completions, models)",
        customSynopsis = "llmx serve [--model F] [--port N] [options]")
public final class ServeCommand implements Command {
    @Mixin
    private ModelOption model;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "port (default ${DEFAULT-VALUE}; 0 picks a free one)")
    private int port;

    @Option(names = "--host", paramLabel = "H", defaultValue = "127.0.0.1", description = "address to listen on "
            + "(default ${DEFAULT-VALUE}; anything else is reachable from other machines: use with --api-key)")
    private String host;

    @Option(names = "--api-key", paramLabel = "K",
            description = "require Authorization: Bearer K (default: $LLMX_API_KEY if set)")
    private String apiKey;

    @Option(names = "--name", paramLabel = "ID", description = "the model's id in /v1/models (default: the file name)")
    private String name;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "0",
            description = "context length (default: the model's, at most 4096)")
    private int ctx;

    @Mixin
    private BackendOptions backend;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "4194304",
            description = "largest request body (default ${DEFAULT-VALUE})")
    private long maxBody;

    @Option(names = "--max-waiting", paramLabel = "N", defaultValue = "64",
            description = "requests that may wait for the engine (default ${DEFAULT-VALUE}; more get 503)")
    private int maxWaiting;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be 0..65535");
        }
        String key = apiKey != null ? apiKey : System.getenv().getOrDefault("LLMX_API_KEY", "");
        LlmxServer.Options o = new LlmxServer.Options(model.path(), name, host, port, key.isEmpty() ? null : key,
                backend.backend(), backend.threads(), ctx, maxBody, maxWaiting);
        if (!isLoopback(host)) {
            System.err.println("llmx serve: WARNING: listening on " + host + ", reachable from other machines"
                    + (key.isEmpty() ? ", with no API key (--api-key): anyone who can reach it can use it" : ""));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (LlmxServer server = LlmxServer.start(o)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }));
            out.println("llmx serve: " + server.modelId() + " at " + server.url() + "/v1 (OpenAI-compatible; Ctrl+C stops)");
            out.flush();
            stopped.await();
        }
        return 0;
    }

    static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }
}
