package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * One {@code llmx} subcommand: a class annotated with picocli's {@code @Command}, whose options
 * picocli has filled in when {@link #run} is called. Commands outside the engine (the server's
 * {@code serve}) are found with {@link java.util.ServiceLoader}, so this type is their contract.
 */
public interface Command {
    /**
     * Runs the command; returns the process exit status. A {@link UsageException} says the command
     * line cannot be carried out as written (exit status 2); any other exception is a failure (1).
     */
    int run(InputStream in, PrintStream out) throws Exception;
}
