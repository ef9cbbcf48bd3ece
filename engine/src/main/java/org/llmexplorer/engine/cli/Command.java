package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * One {@code llmx} subcommand. Commands outside the engine (the server's {@code serve}) are found
 * with {@link java.util.ServiceLoader}.
 */
public interface Command {
    String name();

    String usage();

    /** Runs the command; returns the process exit status. */
    int run(List<String> args, PrintStream out) throws Exception;

    /** Runs the command with a standard input; a command that reads none ignores it. */
    default int run(List<String> args, InputStream in, PrintStream out) throws Exception {
        return run(args, out);
    }
}
