package org.llmexplorer.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.llmexplorer.engine.cli.Args;
import org.llmexplorer.engine.cli.Command;
import org.llmexplorer.engine.cli.ModelOption;
import org.llmexplorer.engine.cli.UsageException;
import org.llmexplorer.engine.compute.Backends;

/** {@code llmx serve}: the model behind the OpenAI-compatible API until the process is stopped. */
public final class ServeCommand implements Command {
    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String usage() {
        return """
                serve [--model F] [--port N] [options]   the OpenAI-compatible API (chat, completions, models)
                  --port N               port (default 8080; 0 picks a free one)
                  --host H               address to listen on (default 127.0.0.1; anything else is
                                         reachable from other machines: use with --api-key)
                  --api-key K            require Authorization: Bearer K (default: $LLMX_API_KEY if set)
                  --name ID              the model's id in /v1/models (default: the file name)
                  --ctx N                context length (default: the model's, at most 4096)
                  --backend B            scalar, simd (default), opencl or auto
                  --device D             with opencl: a device index or name from llmx devices
                  --threads N            threads of the simd backend (default: all cores)
                  --max-body BYTES       largest request body (default 4194304)
                  --max-waiting N        requests that may wait for the engine (default 64; more get 503)""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "port", "host", "api-key", "name", "ctx", "backend", "device",
                "threads", "max-body", "max-waiting"), Set.of());
        Path model = ModelOption.path(args);
        int port = args.integer("port", 8080);
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be 0..65535");
        }
        String host = args.string("host", "127.0.0.1");
        String key = args.string("api-key", System.getenv().getOrDefault("LLMX_API_KEY", ""));
        int threads = args.integer("threads", Backends.defaultThreads());
        LlmxServer.Options o = new LlmxServer.Options(model, args.string("name", null), host, port,
                key.isEmpty() ? null : key, args.backend(), threads, args.integer("ctx", 0),
                args.longValue("max-body", 4L << 20), args.integer("max-waiting", 64));
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
