package org.llmexplorer.engine.template;

/**
 * Jinja's default undefined value: a missing variable, dictionary key or attribute. It prints as nothing, is false,
 * iterates as empty and has length 0, but using it in arithmetic, calling it or reading an attribute of it fails with
 * the message Jinja gives ({@code 'x' is undefined}, {@code 'dict object' has no attribute 'tool_calls'}).
 */
record Undefined(String message) {
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object name) {
        String type = owner == null ? "None" : Values.typeName(owner) + " object";
        return name instanceof String s
                ? new Undefined("'" + type + "' has no attribute '" + s + "'")
                : new Undefined(type + " has no element " + Values.repr(name));
    }

    TemplateException error() {
        return new TemplateException(message);
    }
}
