package org.llmexplorer.engine.template;

import java.util.List;
import java.util.Map;

/** Something a template can call: a global function, a macro, or a method bound to a value ({@code s.split}). */
@FunctionalInterface
interface JinjaFunction {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
