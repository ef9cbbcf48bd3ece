package org.llmexplorer.engine.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.session.ChatSession;
import org.llmexplorer.engine.session.ModelSummary;
import org.llmexplorer.engine.session.SessionListener;
import org.llmexplorer.engine.session.Step;

/**
 * {@code llmx chat}: a multi-turn conversation in the terminal, through the same session the
 * application uses: the model's chat template, replies streamed as they are sampled, stopped at
 * the end of the turn, the oldest turns sliding out when the context fills.
 */
final class ChatCommand implements Command {
    @Override
    public String name() {
        return "chat";
    }

    @Override
    public String usage() {
        return """
                chat --model F [options]   a conversation in the terminal: type a message, Enter sends it
                  --system TEXT          system message (for models with a chat template)
                  --max-tokens N         longest reply (default 256)
                  --ctx N                context length (default: the model's, at most 4096)
                  --mask SPEC            run under an attention mask or plan (see llmx mask --help)
                  --backend B, --threads N   as for generate
                %s
                  In the conversation: /regen generates the last reply again, /reset starts afresh,
                  /quit (or end of input) leaves.""".formatted(SamplingOptions.USAGE.indent(2).replace("\n  \n", "\n"));
    }

    @Override
    public int run(List<String> args, PrintStream out) throws Exception {
        return run(args, System.in, out);
    }

    @Override
    public int run(List<String> argList, InputStream in, PrintStream out) throws Exception {
        Set<String> options = new HashSet<>(SamplingOptions.NAMES);
        options.addAll(Set.of("model", "system", "max-tokens", "ctx", "mask", "backend", "threads"));
        Args args = new Args(argList, options, Set.of());
        Path model = Path.of(args.required("model"));
        SessionListener listener = new SessionListener() {
            @Override
            public void token(int messageIndex, Step step) {
                out.print(step.text());
                out.flush();
            }

            @Override
            public void trimmed(int droppedMessages, String notice) {
                out.println("\n[" + notice + "]");
            }
        };
        try (ChatSession session = new ChatSession(listener)) {
            session.backend(args.string("backend", Backends.DEFAULT), args.integer("threads", Backends.defaultThreads()));
            session.contextLimit(args.integer("ctx", 4096));
            session.settings(SamplingOptions.from(args), args.has("seed"), args.integer("max-tokens", 256));
            session.systemPrompt(args.string("system", ""));
            ModelSummary summary = await(session.open(model));
            if (args.has("mask")) {
                session.masks(MaskPlan.parse(args.required("mask"), null));
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
