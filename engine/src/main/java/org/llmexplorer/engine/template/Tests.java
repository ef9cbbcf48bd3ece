package org.llmexplorer.engine.template;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jinja's tests, {@code value is name(args)}, with Python's notion of types. */
final class Tests {
    private Tests() {
    }

    static boolean apply(String name, Object v, List<Object> args) {
        Object arg = args.isEmpty() ? null : args.getFirst();
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "true" -> v instanceof Boolean b && b;
            case "false" -> v instanceof Boolean b && !b;
            case "boolean" -> v instanceof Boolean;
            case "string" -> v instanceof String;
            case "number" -> Values.isNumber(v);
            case "integer" -> v instanceof Long;
            case "float" -> v instanceof Double;
            case "mapping" -> v instanceof Map;
            // like Python's iter(): strings, lists, dicts and (empty) undefined values iterate, None does not
            case "iterable" -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof List || v instanceof Map;
            case "callable" -> v instanceof JinjaFunction;
            case "eq", "equalto", "==" -> Values.equal(v, arg);
            case "ne", "!=" -> !Values.equal(v, arg);
            case "lt", "lessthan", "<" -> Values.compare(v, arg, "<") < 0;
            case "le", "<=" -> Values.compare(v, arg, "<=") <= 0;
            case "gt", "greaterthan", ">" -> Values.compare(v, arg, ">") > 0;
            case "ge", ">=" -> Values.compare(v, arg, ">=") >= 0;
            case "in" -> Values.contains(arg, v);
            case "sameas" -> v == arg || (v != null && Values.isNumber(v) == Values.isNumber(arg) && v.equals(arg));
            case "odd" -> Values.asLong(integer(v)) % 2 != 0;
            case "even" -> Values.asLong(integer(v)) % 2 == 0;
            case "divisibleby" -> Values.asLong(integer(arg)) != 0
                    && Values.asLong(integer(v)) % Values.asLong(integer(arg)) == 0;
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(Locale.ROOT));
            default -> throw new TemplateException("No test named '" + name + "'.");
        };
    }

    private static Object integer(Object v) {
        return Values.require(v, Values.isInt(v), "expected an integer, got " + Values.typeName(v));
    }
}
