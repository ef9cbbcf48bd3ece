package org.llmexplorer.engine.planted;

import org.llmexplorer.engine.generate.Generator;

/**
 * Made to break the layer rules, so that ArchitectureRulesTest sees them fail: an engine class
 * that uses JavaFX and the application, and whose package and {@code planted2} use each other (a
 * cycle). Test code only, never on the application's class path.
 */
public final class PlantedViolation {
    public javafx.scene.control.Label label;
    public org.llmexplorer.app.viewmodel.AppContext app;
    public Generator generator;
    public org.llmexplorer.engine.planted2.Back back;
}
