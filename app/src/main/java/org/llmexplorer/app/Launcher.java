package org.llmexplorer.app;

/**
 * Entry point of the desktop application. It does not extend {@code Application}, so JavaFX can
 * stay on the class path.
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        javafx.application.Application.launch(ExplorerApp.class, args);
    }
}
