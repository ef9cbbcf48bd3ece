package org.llmexplorer.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code llmx} command line: {@code llmx <command> [options]}. */
public final class Llmx {
    private static final Map<String, Command> COMMANDS = new LinkedHashMap<>();

    static {
        for (Command c : new Command[] {new InfoCommand(), new TokenizeCommand(), new GenerateCommand(),
                new BenchCommand(), new KernelsCommand(), new DevicesCommand(),
                new MaskCommand(), new AttentionCommand(), new PerplexityCommand(),
                new SamplerBenchCommand(), new TemplateCommand(), new ChatCommand(), new TrainCommand()}) {
            COMMANDS.put(c.name(), c);
        }
        for (Command c : java.util.ServiceLoader.load(Command.class)) { // serve, when the server module is there
            COMMANDS.putIfAbsent(c.name(), c);
        }
    }

    private Llmx() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.exit(run(args, out, System.err));
    }

    /** Runs a command line and returns the exit status: 0 ok, 1 failure, 2 bad usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with the standard input commands such as tokenize read. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            out.println(help());
            return args.length == 0 ? 2 : 0;
        }
        Command command = COMMANDS.get(args[0]);
        if (command == null) {
            err.println("llmx: unknown command '" + args[0] + "'\n\n" + help());
            return 2;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        if (rest.contains("--help")) {
            out.println(command.usage());
            return 0;
        }
        try {
            return command.run(rest, in, out);
        } catch (UsageException e) {
            err.println("llmx " + command.name() + ": " + e.getMessage() + "\n\n" + command.usage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("llmx " + command.name() + ": error: " + message(e));
            return 1;
        } catch (Exception e) {
            err.println("llmx " + command.name() + ": error: " + message(e));
            return 1;
        }
    }

    private static String message(Throwable e) {
        return org.llmexplorer.engine.Errors.describe(e);
    }

    static String help() {
        StringBuilder sb = new StringBuilder("usage: llmx <command> [options]\n\ncommands:\n");
        for (Command c : COMMANDS.values()) {
            sb.append("  ").append(c.usage().lines().findFirst().orElse(c.name())).append('\n');
        }
        sb.append("  app [--model F]     open the desktop application (from the launcher script)\n");
        sb.append("\nllmx <command> --help shows a command's options.");
        return sb.toString();
    }
}
