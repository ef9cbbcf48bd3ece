package org.llmexplorer.engine.template;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as Hugging Face defines it: Python's {@code json.dumps(value, ensure_ascii=False,
 * indent=None, separators=None, sort_keys=False)}. Without an indent items are separated by {@code ", "} and keys by
 * {@code ": "}; keys keep their insertion order; only {@code "}, {@code \} and control characters are escaped.
 */
final class PyJson {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;
    private final StringBuilder out = new StringBuilder();

    private PyJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    /** {@code json.dumps} with the keyword arguments the filter accepts (indent, separators, sort_keys, ensure_ascii). */
    static String dumps(Object value, Map<String, Object> options) {
        Object indent = options.get("indent");
        String indentText = indent == null ? null
                : indent instanceof String s ? s : " ".repeat((int) Math.max(0, Values.asLong(indent)));
        String item = indentText == null ? ", " : ",";
        String key = ": ";
        if (options.get("separators") instanceof List<?> seps && seps.size() == 2) {
            item = Values.str(seps.get(0));
            key = Values.str(seps.get(1));
        }
        PyJson json = new PyJson(indentText, item, key, Values.truthy(options.get("sort_keys")),
                Values.truthy(options.get("ensure_ascii")));
        json.write(value, 0);
        return json.out.toString();
    }

    static String dumps(Object value) {
        return dumps(value, Map.of());
    }

    private void write(Object v, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Double d -> out.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity")
                    : Values.floatRepr(d));
            case String s -> string(s);
            case List<?> l -> {
                if (l.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    separator(i, depth + 1);
                    write(l.get(i), depth + 1);
                }
                newline(depth);
                out.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    out.append("{}");
                    return;
                }
                List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                if (sortKeys) {
                    entries.sort(Comparator.comparing(e -> key(e.getKey())));
                }
                out.append('{');
                for (int i = 0; i < entries.size(); i++) {
                    separator(i, depth + 1);
                    string(key(entries.get(i).getKey()));
                    out.append(keySeparator);
                    write(entries.get(i).getValue(), depth + 1);
                }
                newline(depth);
                out.append('}');
            }
            default -> throw new TemplateException("Object of type " + Values.typeName(v) + " is not JSON serializable");
        }
    }

    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Values.floatRepr(d);
            default -> throw new TemplateException("keys must be str, int, float, bool or None, not "
                    + Values.typeName(k));
        };
    }

    private void separator(int i, int depth) {
        if (i > 0) {
            out.append(itemSeparator);
        }
        newline(depth);
    }

    private void newline(int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7E)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
