package org.llmexplorer.engine.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.session.ChatSession;
import org.llmexplorer.engine.session.ModelSummary;
import org.llmexplorer.engine.session.SessionListener;
import org.llmexplorer.engine.session.Step;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmx chat}: a multi-turn conversation in the terminal, through the same session the
 * application uses: the model's chat template, replies streamed as they are sampled, stopped at
 * the end of the turn, the oldest turns sliding out when the context fills.
 */
@picocli.CommandLine.Command(name = "chat", description = "a conversation in the terminal: type a message, Enter sends it",
        customSynopsis = "llmx chat --model F [options]",
        footer = {"", "In the conversation: /regen generates the last reply again, /reset starts afresh, /quit (or end "
                + "of input) leaves."})
final class ChatCommand implements Command {
    @Option(names = "--model", paramLabel = "F", required = true, description = "a GGUF file")
    private Path model;

    @Option(names = "--system", paramLabel = "TEXT", defaultValue = "",
            description = "system message (for models with a chat template)")
    private String system;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "256",
            description = "longest reply (default ${DEFAULT-VALUE})")
    private int maxTokens;

    @Option(names = "--ctx", paramLabel = "N", defaultValue = "4096",
            description = "context length (default: the model's, at most ${DEFAULT-VALUE})")
    private int ctx;

    @Option(names = "--mask", paramLabel = "SPEC", description = "run under an attention mask or plan (see llmx mask --help)")
    private String mask;

    @Mixin
    private KvCacheOption kv;

    @Mixin
    private BackendOptions backend;

    @Mixin
    private SamplingOptions sampling;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        SessionListener listener = new SessionListener() {
            @Override
            public void token(int messageIndex, Step step) {
                out.print(step.text());
                out.flush();
            }

            /** A prompt of several passes: how far it is read, on standard error (standard output is the chat). */
            @Override
            public void reading(int messageIndex, int done, int total) {
                if (total > org.llmexplorer.engine.generate.Generator.DEFAULT_BATCH) {
                    System.err.print("\r[reading the prompt: " + done + " / " + total + " tokens]"
                            + (done == total ? "\n" : ""));
                    System.err.flush();
                }
            }

            @Override
            public void trimmed(int droppedMessages, String notice) {
                out.println("\n[" + notice + "]");
            }
        };
        try (ChatSession session = new ChatSession(listener)) {
            session.backend(backend.backend(), backend.threads());
            session.contextLimit(ctx);
            session.kvCache(kv.type());
            session.settings(sampling.settings(), sampling.seeded(), maxTokens);
            session.systemPrompt(system);
            ModelSummary summary = await(session.open(model));
            if (mask != null) {
                session.masks(MaskPlan.parse(mask, null));
            }
            out.println("[" + summary.name() + ", " + summary.architecture() + ": "
                    + (session.template() == null ? "no chat template, the model continues the text"
                    : "chat template " + session.template().origin()) + "; /regen, /reset, /quit]");
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while (true) {
                out.print("> ");
                out.flush();
                if ((line = reader.readLine()) == null || line.strip().equals("/quit")) {
                    break;
                }
                try {
                    switch (line.strip()) {
                        case "" -> {
                            continue;
                        }
                        case "/reset" -> {
                            session.newChat();
                            continue;
                        }
                        case "/regen" -> await(session.regenerate());
                        default -> await(session.send(line));
                    }
                } catch (IllegalArgumentException e) { // a message the context cannot take: said, and the chat goes on
                    out.println("[" + e.getMessage() + "]");
                    continue;
                }
                out.println();
            }
            out.println();
        }
        return 0;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
