package org.llmexplorer.engine.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Jinja's built-in filters that chat templates use, plus Hugging Face's {@code tojson}. */
final class Filters {
    private Filters() {
    }

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
        return switch (name) {
            case "trim" -> Methods.strip(Values.str(v), arg(args, kw, 0, "chars", null), true, true);
            case "length", "count" -> Values.length(v);
            case "tojson" -> PyJson.dumps(v, tojsonOptions(args, kw));
            case "string" -> Values.str(v);
            case "lower" -> Values.str(v).toLowerCase(Locale.ROOT);
            case "upper" -> Values.str(v).toUpperCase(Locale.ROOT);
            case "capitalize" -> Methods.capitalize(Values.str(v));
            case "title" -> Methods.title(Values.str(v));
            case "replace" -> Methods.replace(Values.str(v), Values.str(arg(args, kw, 0, "old", "")),
                    Values.str(arg(args, kw, 1, "new", "")), Values.asLong(arg(args, kw, 2, "count", -1L)));
            case "default", "d" -> v instanceof Undefined || (Values.truthy(arg(args, kw, 1, "boolean", false))
                    && !Values.truthy(v)) ? arg(args, kw, 0, "default_value", "") : v;
            case "first", "last" -> {
                List<Object> items = Values.iterate(v);
                yield items.isEmpty() ? new Undefined("No " + name + " item, sequence was empty.")
                        : items.get(name.equals("first") ? 0 : items.size() - 1);
            }
            case "join" -> String.join(Values.str(arg(args, kw, 0, "d", "")),
                    attributes(Values.iterate(v), arg(args, kw, 1, "attribute", null)).stream().map(Values::str).toList());
            case "list" -> Values.iterate(v);
            case "reverse" -> {
                if (v instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> items = Values.iterate(v);
                Collections.reverse(items);
                yield items;
            }
            case "sort" -> sort(Values.iterate(v), Values.truthy(arg(args, kw, 0, "reverse", false)),
                    Values.truthy(arg(args, kw, 1, "case_sensitive", false)), arg(args, kw, 2, "attribute", null));
            case "unique" -> unique(Values.iterate(v), Values.truthy(arg(args, kw, 0, "case_sensitive", false)),
                    arg(args, kw, 1, "attribute", null));
            case "min", "max" -> {
                List<Object> sorted = sort(Values.iterate(v), false,
                        Values.truthy(arg(args, kw, 0, "case_sensitive", false)), arg(args, kw, 1, "attribute", null));
                yield sorted.isEmpty() ? new Undefined("No " + name + " item, sequence was empty.")
                        : sorted.get(name.equals("min") ? 0 : sorted.size() - 1);
            }
            case "items" -> v instanceof Undefined ? List.of() : Methods.bind(mapping(v), "items").call(List.of(), Map.of());
            case "dictsort" -> dictsort(mapping(v), Values.truthy(arg(args, kw, 0, "case_sensitive", false)),
                    Values.str(arg(args, kw, 1, "by", "key")), Values.truthy(arg(args, kw, 2, "reverse", false)));
            case "select", "reject" -> select(Values.iterate(v), null, args, name.equals("select"));
            case "selectattr", "rejectattr" -> select(Values.iterate(v), Values.str(args.getFirst()),
                    args.subList(1, args.size()), name.equals("selectattr"));
            case "map" -> map(Values.iterate(v), args, kw);
            case "attr" -> Values.attribute(v, Values.str(arg(args, kw, 0, "name", null)));
            case "int" -> toInt(v, arg(args, kw, 0, "default", 0L));
            case "float" -> toFloat(v, arg(args, kw, 0, "default", 0.0));
            case "abs" -> v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Values.asLong(number(v)));
            case "round" -> round(number(v), (int) Values.asLong(arg(args, kw, 0, "precision", 0L)),
                    Values.str(arg(args, kw, 1, "method", "common")));
            case "sum" -> {
                Object total = arg(args, kw, 1, "start", 0L);
                for (Object x : attributes(Values.iterate(v), arg(args, kw, 0, "attribute", null))) {
                    total = Values.add(total, x);
                }
                yield total;
            }
            case "indent" -> indent(Values.str(v), arg(args, kw, 0, "width", 4L),
                    Values.truthy(arg(args, kw, 1, "first", false)), Values.truthy(arg(args, kw, 2, "blank", false)));
            case "safe" -> v;
            case "escape", "e" -> Values.str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    .replace("\"", "&#34;").replace("'", "&#39;");
            case "format" -> Values.arithmetic("%", Values.str(v), new Tuple(args));
            case "wordcount" -> (long) Methods.split(Values.str(v), null, -1).size();
            default -> throw new TemplateException("No filter named '" + name + "'.");
        };
    }

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object fallback) {
        return Methods.arg(args, kw, i, name, fallback);
    }

    /** Hugging Face's signature: {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static Map<String, Object> tojsonOptions(List<Object> args, Map<String, Object> kw) {
        Map<String, Object> options = new LinkedHashMap<>(kw);
        String[] positional = {"ensure_ascii", "indent", "separators", "sort_keys"};
        for (int i = 0; i < Math.min(args.size(), positional.length); i++) {
            options.put(positional[i], args.get(i));
        }
        return options;
    }

    private static Map<?, ?> mapping(Object v) {
        if (v instanceof Map<?, ?> m) {
            return m;
        }
        throw new TemplateException("expected a mapping, got " + Values.typeName(v));
    }

    private static Object number(Object v) {
        return Values.require(v, Values.isNumber(v), "expected a number, got " + Values.typeName(v));
    }

    /** The value at a dotted attribute path ({@code "function.name"}), each step as {@code x[part]}. */
    static Object path(Object v, String path) {
        for (String part : path.split("\\.")) {
            v = Values.item(v, part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part);
        }
        return v;
    }

    private static List<Object> attributes(List<Object> items, Object attribute) {
        return attribute == null ? items : items.stream().map(x -> path(x, Values.str(attribute))).toList();
    }

    private static Comparator<Object> order(boolean caseSensitive, Object attribute) {
        return (a, b) -> {
            Object x = attribute == null ? a : path(a, Values.str(attribute));
            Object y = attribute == null ? b : path(b, Values.str(attribute));
            if (!caseSensitive && x instanceof String s && y instanceof String t) {
                return Values.compare(s.toLowerCase(Locale.ROOT), t.toLowerCase(Locale.ROOT), "<");
            }
            return Values.compare(x, y, "<");
        };
    }

    private static List<Object> sort(List<Object> items, boolean reverse, boolean caseSensitive, Object attribute) {
        Comparator<Object> order = order(caseSensitive, attribute);
        items.sort(reverse ? order.reversed() : order);
        return items;
    }

    private static List<Object> unique(List<Object> items, boolean caseSensitive, Object attribute) {
        List<Object> out = new ArrayList<>();
        List<Object> seen = new ArrayList<>();
        for (Object x : items) {
            Object key = attribute == null ? x : path(x, Values.str(attribute));
            Object k = !caseSensitive && key instanceof String s ? s.toLowerCase(Locale.ROOT) : key;
            if (seen.stream().noneMatch(y -> Values.equal(y, k))) {
                seen.add(k);
                out.add(x);
            }
        }
        return out;
    }

    private static List<Object> dictsort(Map<?, ?> m, boolean caseSensitive, String by, boolean reverse) {
        List<Object> pairs = new ArrayList<>();
        m.forEach((k, x) -> pairs.add(new Tuple(Arrays.asList(k, x))));
        int index = by.equals("value") ? 1 : 0;
        Comparator<Object> order = order(caseSensitive, null);
        Comparator<Object> byPart = (a, b) -> order.compare(((List<?>) a).get(index), ((List<?>) b).get(index));
        pairs.sort(reverse ? byPart.reversed() : byPart);
        return pairs;
    }

    /** select/reject (attribute null) and selectattr/rejectattr: items whose (attribute) passes the test. */
    private static List<Object> select(List<Object> items, String attribute, List<Object> testArgs, boolean keep) {
        List<Object> out = new ArrayList<>();
        for (Object x : items) {
            Object subject = attribute == null ? x : path(x, attribute);
            boolean pass = testArgs.isEmpty() ? Values.truthy(subject)
                    : Tests.apply(Values.str(testArgs.getFirst()), subject, testArgs.subList(1, testArgs.size()));
            if (pass == keep) {
                out.add(x);
            }
        }
        return out;
    }

    private static List<Object> map(List<Object> items, List<Object> args, Map<String, Object> kw) {
        List<Object> out = new ArrayList<>();
        for (Object x : items) {
            if (kw.containsKey("attribute")) {
                Object v = path(x, Values.str(kw.get("attribute")));
                out.add(v instanceof Undefined && kw.containsKey("default") ? kw.get("default") : v);
            } else {
                Map<String, Object> rest = new LinkedHashMap<>(kw);
                out.add(apply(Values.str(args.getFirst()), x, args.subList(1, args.size()), rest));
            }
        }
        return out;
    }

    private static Object toInt(Object v, Object fallback) {
        try {
            return switch (v) {
                case Boolean b -> b ? 1L : 0L;
                case Long l -> l;
                case Double d -> (long) (double) d;
                case String s -> {
                    String t = s.strip().replace("_", "");
                    try {
                        yield Long.parseLong(t);
                    } catch (NumberFormatException e) {
                        yield (long) Double.parseDouble(t);
                    }
                }
                case null, default -> fallback;
            };
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Object toFloat(Object v, Object fallback) {
        try {
            return switch (v) {
                case Boolean b -> b ? 1.0 : 0.0;
                case Long l -> (double) l;
                case Double d -> d;
                case String s -> Double.parseDouble(s.strip());
                case null, default -> fallback;
            };
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static Object round(Object v, int precision, String method) {
        RoundingMode mode = switch (method) {
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> RoundingMode.HALF_EVEN; // Python's round()
        };
        BigDecimal rounded = new BigDecimal(Values.asDouble(v)).setScale(precision, mode);
        return v instanceof Double || !method.equals("common") ? (Object) rounded.doubleValue() : (Object) rounded.longValue();
    }

    /** Jinja's indent: every line but the first (unless {@code first}), blank lines only with {@code blank}. */
    private static String indent(String s, Object width, boolean first, boolean blank) {
        String pad = width instanceof String w ? w : " ".repeat((int) Values.asLong(width));
        List<String> lines = (s + "\n").lines().toList();
        StringBuilder sb = new StringBuilder(lines.isEmpty() ? "" : lines.getFirst());
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            sb.append('\n').append(blank || !line.isEmpty() ? pad + line : line);
        }
        return first ? pad + sb : sb.toString();
    }
}
