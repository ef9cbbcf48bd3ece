package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.util.List;

/** One {@code llmx} subcommand. */
interface Command {
    String name();

    String usage();

    /** Runs the command; returns the process exit status. */
    int run(List<String> args, PrintStream out) throws Exception;
}
