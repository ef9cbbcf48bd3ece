package org.llmexplorer.app;

/**
 * Entry point of the desktop application. It does not extend {@code Application}, so JavaFX can
 * stay on the class path.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        if (java.util.Arrays.asList(args).contains("--self-test")) {
            int code = SelfTest.run(java.util.List.of(args));
            System.exit(code);
        }
        javafx.application.Application.launch(ExplorerApp.class, args);
    }
}
