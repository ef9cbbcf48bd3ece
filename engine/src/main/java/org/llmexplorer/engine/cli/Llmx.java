package org.llmexplorer.engine.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import org.llmexplorer.engine.Errors;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Help;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/** The {@code llmx} command line: {@code llmx <command> [options]}, parsed by picocli. */
@CommandLine.Command(name = "llmx",
        description = "LLM Explorer's command line: look into, run, measure and train language models.",
        footerHeading = "%nFrom the launcher script:%n",
        footer = {"  app [--model F]  open the desktop application", "",
                "llmx <command> --help shows a command's options."})
public final class Llmx {
    @Option(names = "--help", usageHelp = true, description = "show this help")
    private boolean help;

    private Llmx() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(run(args, out, System.err));
    }

    /** Runs a command line and returns the exit status: 0 ok, 1 failure, 2 bad usage. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with the standard input commands such as tokenize read. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        PrintWriter outWriter = writer(out);
        PrintWriter errWriter = writer(err);
        // A fresh tree each run: picocli keeps the parsed options in the command objects.
        CommandLine cl = commandLine()
                .setOut(outWriter)
                .setErr(errWriter)
                .setExecutionStrategy(parsed -> execute(parsed, in, out))
                .setParameterExceptionHandler((e, a) -> badUsage(e))
                .setExecutionExceptionHandler((e, c, parsed) -> failed(e, c));
        try {
            return cl.execute(args);
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    /** Every command, the engine's and those {@link ServiceLoader} finds (serve, when the server module is there). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Llmx());
        for (Command c : List.of(new InfoCommand(), new TokenizeCommand(), new GenerateCommand(), new BenchCommand(),
                new KernelsCommand(), new DevicesCommand(), new MaskCommand(), new AttentionCommand(),
                new PerplexityCommand(), new SamplerBenchCommand(), new TemplateCommand(), new ChatCommand(),
                new TrainCommand(), new LensCommand(), new KnockOutCommand(), new PatchCommand(), new ReadingsCommand())) {
            cl.addSubcommand(new CommandLine(c)); // built here, as only then picocli applies a modelTransformer
        }
        for (Command c : ServiceLoader.load(Command.class)) { // each a picocli @Command too
            CommandLine sub = new CommandLine(c);
            if (!cl.getSubcommands().containsKey(sub.getCommandName())) {
                cl.addSubcommand(sub);
            }
        }
        cl.addSubcommand(new CompletionCommand());
        cl.addSubcommand(new HelpCommand());
        cl.getSubcommands().get("help").getCommandSpec().usageMessage().header("the help of llmx or of a command");
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null) { // no -h: with it, picocli would refuse values such as "-hi"
                spec.addOption(OptionSpec.builder("--help").usageHelp(true).description("show this help").build());
            }
            spec.usageMessage().sortOptions(false); // as declared: related options stay together
        }
        // Settings reach the subcommands present when they are set, so they come last.
        return cl.setOverwrittenOptionsAllowed(true) // the last of a repeated option counts
                .setExpandAtFiles(false) // a prompt may start with @
                .setCaseInsensitiveEnumValuesAllowed(true) // --kv-type f16 as well as F16
                .setUsageHelpWidth(100)
                .setUsageHelpLongOptionsMaxWidth(28)
                .setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
    }

    /** Help when asked for, else the command; its exceptions become picocli's, for the handlers below. */
    private static int execute(ParseResult parsed, InputStream in, PrintStream out) {
        Integer help = CommandLine.executeHelpRequest(parsed);
        if (help != null) {
            return help;
        }
        CommandLine leaf = parsed.asCommandLineList().getLast();
        Object user = leaf.getCommand();
        if (!(user instanceof Command command)) { // llmx alone
            leaf.usage(leaf.getOut());
            return 2;
        }
        try {
            return command.run(in, out);
        } catch (UsageException e) {
            throw new ParameterException(leaf, e.getMessage(), e);
        } catch (ParameterException e) {
            throw e;
        } catch (Exception e) {
            throw new ExecutionException(leaf, Errors.describe(e), e);
        }
    }

    /** {@code llmx <cmd>: <message>}, then picocli's suggestions for a mistyped name or else the usage: exit 2. */
    private static int badUsage(ParameterException reported) {
        ParameterException e = firstMistake(reported);
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + message(e));
        if (!UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println();
            cl.usage(err);
        }
        return cl.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * picocli checks required options before it reports unknown ones, but in {@code generate --max-tokns 3}
     * the unknown option is the mistake to show, with its suggestion.
     */
    private static ParameterException firstMistake(ParameterException e) {
        ParseResult partial = e.getCommandLine().getParseResult();
        if (e instanceof MissingParameterException && partial != null && !partial.unmatched().isEmpty()) {
            return new UnmatchedArgumentException(e.getCommandLine(), partial.unmatched());
        }
        return e;
    }

    /** picocli's message, but naming only the first unknown argument (not the values that followed it). */
    private static String message(ParameterException e) {
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().getFirst();
            if (u.isUnknownOption()) {
                return "Unknown option: '" + first + "'";
            }
            if (e.getCommandLine().getParent() == null) {
                return "Unknown command: '" + first + "'";
            }
        }
        return e.getMessage();
    }

    /** {@code llmx <cmd>: error: <message>}: exit 1. */
    private static int failed(Exception e, CommandLine cl) {
        cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": error: " + Errors.describe(e));
        return cl.getCommandSpec().exitCodeOnExecutionException();
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, stream.charset()), true);
    }
}
