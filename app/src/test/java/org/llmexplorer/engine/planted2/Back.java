package org.llmexplorer.engine.planted2;

/** The other half of a planted package cycle (see PlantedViolation). */
public final class Back {
    public org.llmexplorer.engine.planted.PlantedViolation there;
}
