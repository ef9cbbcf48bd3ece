package org.llmexplorer.engine.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: attributes that {@code {% set ns.x = ... %}} can change from a loop. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();

    @Override
    public String toString() {
        return "<Namespace " + Values.repr(attributes) + ">";
    }
}
