package org.llmexplorer.engine.model;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The small model LLM Explorer ships (trained by {@code llmx train}; see {@code models/default.md}),
 * used when no model is named. It is looked for, in order: at the path in the system property
 * {@value #PATH_PROPERTY}; in {@code models/} under the property {@value #HOME_PROPERTY} (the
 * {@code llmx} launcher sets it to the repository); in {@code models/} beside the jar that holds
 * this class or one folder up (an installed application keeps it beside its jars); in
 * {@code models/} of the working directory.
 */
public final class DefaultModel {
    public static final String FILE = "default.gguf";
    public static final String PATH_PROPERTY = "llmx.default.model";
    public static final String HOME_PROPERTY = "llmx.home";

    private DefaultModel() {
    }

    public static Optional<Path> find() {
        return candidates().stream().filter(Files::isRegularFile).findFirst();
    }

    /** Every place looked at, in order (for messages that say where it was not found). */
    public static List<Path> candidates() {
        List<Path> places = new ArrayList<>();
        String explicit = System.getProperty(PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            places.add(Path.of(explicit));
        }
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            places.add(Path.of(home, "models", FILE));
        }
        try {
            var source = DefaultModel.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                Path dir = Path.of(source.getLocation().toURI()).getParent();
                if (dir != null) {
                    places.add(dir.resolve("models").resolve(FILE));
                    if (dir.getParent() != null) {
                        places.add(dir.getParent().resolve("models").resolve(FILE));
                    }
                }
            }
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            // not loaded from a file: nothing beside it to look at
        }
        places.add(Path.of("models", FILE));
        return places;
    }
}
