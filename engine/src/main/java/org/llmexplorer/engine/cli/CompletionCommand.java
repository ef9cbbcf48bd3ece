package org.llmexplorer.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code llmx completion}: the bash (and zsh) completion script of every command and option. */
@picocli.CommandLine.Command(name = "completion",
        description = {"a bash or zsh completion script of the commands and options",
                "Load it in the running shell with: source <(llmx completion)",
                "(in zsh it loads bash's completion system first)"})
final class CompletionCommand implements Command {
    @Spec
    private CommandSpec spec;

    @Override
    public int run(InputStream in, PrintStream out) {
        out.print(AutoComplete.bash("llmx", spec.root().commandLine()));
        out.flush();
        return 0;
    }
}
