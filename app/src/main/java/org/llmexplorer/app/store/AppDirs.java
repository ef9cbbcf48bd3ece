package org.llmexplorer.app.store;

import java.nio.file.Path;

/**
 * Where the application keeps its files: settings and chats in the user's configuration
 * directory, downloaded models in a models folder beside it. {@code -Dllmx.config.dir=DIR}
 * moves both (tests use it).
 */
public record AppDirs(Path config, Path chats, Path models) {

    public static AppDirs standard() {
        String override = System.getProperty("llmx.config.dir");
        Path config;
        if (override != null) {
            config = Path.of(override);
        } else {
            String os = System.getProperty("os.name", "").toLowerCase();
            String home = System.getProperty("user.home");
            if (os.contains("win")) {
                String appData = System.getenv("APPDATA");
                config = Path.of(appData != null ? appData : home, "LLM Explorer");
            } else if (os.contains("mac")) {
                config = Path.of(home, "Library", "Application Support", "LLM Explorer");
            } else {
                String xdg = System.getenv("XDG_CONFIG_HOME");
                config = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(home, ".config")).resolve("llm-explorer");
            }
        }
        return new AppDirs(config, config.resolve("chats"), config.resolve("models"));
    }
}
