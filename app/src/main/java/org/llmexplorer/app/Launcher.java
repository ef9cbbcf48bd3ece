package org.llmexplorer.app;

/**
 * Entry point of the desktop application. It does not extend {@code Application}, so JavaFX can
 * stay on the class path.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        // Before anything else runs: an OpenCL driver built on LLVM must not take the JVM's signals.
        org.llmexplorer.opencl.SignalChaining.restartWithChaining();
        if (java.util.Arrays.asList(args).contains("--self-test")) {
            int code = SelfTest.run(java.util.List.of(args));
            System.exit(code);
        }
        javafx.application.Application.launch(ExplorerApp.class, args);
    }
}
