package org.llmexplorer.engine.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python's value semantics as Jinja templates see them. Values are {@code null} (None), {@link Boolean}, {@link Long}
 * (int), {@link Double} (float), {@link String}, {@link List}, {@link Map} (dict, insertion-ordered),
 * {@link Undefined}, {@link Namespace}, {@link LoopInfo} and {@link JinjaFunction}. Strings are indexed, sliced and
 * measured in code points, as in Python.
 */
final class Values {
    private Values() {
    }

    /** A Java value as a template value: whole numbers become Long, other numbers Double, maps and lists copied. */
    static Object of(Object v) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Double d -> d;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case BigInteger b -> b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
            case Number n -> n.doubleValue();
            case CharSequence cs -> cs.toString();
            case Character c -> c.toString();
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(of(k), of(x)));
                yield out;
            }
            case Iterable<?> it -> {
                List<Object> out = new ArrayList<>();
                it.forEach(x -> out.add(of(x)));
                yield out;
            }
            case Object[] a -> of(List.of(a));
            default -> v;
        };
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Tuple t -> "tuple";
            case Double d -> "float";
            case String s -> "str";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace ns -> "Namespace";
            case LoopInfo l -> "LoopContext";
            case JinjaFunction f -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0;
            case String s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            default -> true;
        };
    }

    /** Python's {@code str()}; an undefined value prints as nothing. */
    static String str(Object v) {
        return switch (v) {
            case String s -> s;
            case Undefined u -> "";
            case null, default -> repr(v);
        };
    }

    /** Python's {@code repr()}: {@code None}, {@code True}, {@code 'text'}, {@code [1, 'a']}, {@code {'k': 1}}. */
    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case String s -> stringRepr(s);
            case Tuple t -> t.toString();
            case List<?> l -> {
                StringBuilder sb = new StringBuilder("[");
                for (Object x : l) {
                    sb.append(sb.length() > 1 ? ", " : "").append(repr(x));
                }
                yield sb.append(']').toString();
            }
            case Map<?, ?> m -> {
                StringBuilder sb = new StringBuilder("{");
                m.forEach((k, x) -> sb.append(sb.length() > 1 ? ", " : "").append(repr(k)).append(": ").append(repr(x)));
                yield sb.append('}').toString();
            }
            case Undefined u -> "";
            default -> v.toString();
        };
    }

    /** Python's float repr: the shortest digits that read back, {@code 1.0}, {@code 0.0001}, {@code 1e+16}. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exponent = digits.length() - 1 - bd.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = bd.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.valueOf(Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (exp.length() < 2 ? "0" + exp : exp);
    }

    private static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            if (c == quote || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c != ' ' && !printable(c)) {
                sb.append(c < 0x100 ? String.format("\\x%02x", c)
                        : c < 0x10000 ? String.format("\\u%04x", c) : String.format("\\U%08x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append(quote).toString();
    }

    private static boolean printable(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /**
     * Whitespace as JavaScript's {@code String.prototype.trim} sees it, which is what Hugging Face's reference
     * renderer strips: tab, line feed, vertical tab, form feed, carriage return, the space separators (space, NBSP,
     * U+1680, U+2000..U+200A, U+202F, U+205F, U+3000), U+2028, U+2029 and U+FEFF. Python would also strip
     * U+001C..U+001F and U+0085 and would keep U+FEFF.
     */
    static boolean isSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
                || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
    }

    // ---- numbers and operators -------------------------------------------------------------------------------

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).longValue();
    }

    static double asDouble(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
    }

    private static void checkDefined(Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
    }

    private static TemplateException unsupported(String op, Object a, Object b) {
        return new TemplateException("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    static Object add(Object a, Object b) {
        checkDefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            return isInt(a) && isInt(b) ? (Object) (asLong(a) + asLong(b)) : (Object) (asDouble(a) + asDouble(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return x + y;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> out = new ArrayList<>(x);
            out.addAll(y);
            return out;
        }
        if (a instanceof String || a instanceof List) {
            throw new TemplateException("can only concatenate " + typeName(a) + " (not \"" + typeName(b) + "\") to "
                    + typeName(a));
        }
        throw unsupported("+", a, b);
    }

    static Object arithmetic(String op, Object a, Object b) {
        checkDefined(a, b);
        if (op.equals("*")) {
            if (a instanceof String || a instanceof List) {
                return repeat(a, b);
            }
            if (b instanceof String || b instanceof List) {
                return repeat(b, a);
            }
        }
        if (op.equals("%") && a instanceof String s) {
            return percentFormat(s, b);
        }
        if (!isNumber(a) || !isNumber(b)) {
            throw unsupported(op, a, b);
        }
        boolean ints = isInt(a) && isInt(b);
        double x = asDouble(a);
        double y = asDouble(b);
        switch (op) {
            case "-":
                return ints ? (Object) (asLong(a) - asLong(b)) : (Object) (x - y);
            case "*":
                return ints ? (Object) (asLong(a) * asLong(b)) : (Object) (x * y);
            case "/":
                if (y == 0) {
                    throw new TemplateException("division by zero");
                }
                return x / y;
            case "//":
                if (y == 0) {
                    throw new TemplateException(ints ? "integer division or modulo by zero" : "float floor division by zero");
                }
                return ints ? (Object) Math.floorDiv(asLong(a), asLong(b)) : (Object) Math.floor(x / y);
            case "%":
                if (y == 0) {
                    throw new TemplateException(ints ? "integer modulo by zero" : "float modulo");
                }
                return ints ? (Object) Math.floorMod(asLong(a), asLong(b)) : (Object) (x - y * Math.floor(x / y));
            case "**":
                if (ints && asLong(b) >= 0) {
                    long r = 1;
                    for (long i = 0, base = asLong(a); i < asLong(b); i++) {
                        r *= base;
                    }
                    return r;
                }
                return Math.pow(x, y);
            default:
                throw new IllegalArgumentException(op);
        }
    }

    private static Object repeat(Object seq, Object times) {
        if (!isInt(times)) {
            throw new TemplateException("can't multiply sequence by non-int of type '" + typeName(times) + "'");
        }
        long n = asLong(times);
        if (seq instanceof String s) {
            return n <= 0 ? "" : s.repeat((int) n);
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.addAll((List<?>) seq);
        }
        return out;
    }

    /** {@code 'format' % values} with the conversions templates use: {@code %s}, {@code %r}, {@code %d}, {@code %%}. */
    private static String percentFormat(String format, Object values) {
        List<?> args = values instanceof Tuple t ? t : java.util.Arrays.asList(values);
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char conv = format.charAt(++i);
            if (conv == '%') {
                sb.append('%');
                continue;
            }
            if (next >= args.size()) {
                throw new TemplateException("not enough arguments for format string");
            }
            Object arg = args.get(next++);
            switch (conv) {
                case 's' -> sb.append(str(arg));
                case 'r' -> sb.append(repr(arg));
                case 'd', 'i' -> sb.append(isNumber(arg) ? String.valueOf((long) asDouble(arg)) : str(arg));
                default -> throw new TemplateException("unsupported format character '" + conv + "'");
            }
        }
        return sb.toString();
    }

    static Object negate(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (v instanceof Double d) {
            return -d;
        }
        if (isInt(v)) {
            return -asLong(v);
        }
        throw new TemplateException("bad operand type for unary -: '" + typeName(v) + "'");
    }

    // ---- comparison ------------------------------------------------------------------------------------------

    static boolean equal(Object a, Object b) {
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (a == null || b == null) {
            return a == b;
        }
        if (isNumber(a) && isNumber(b)) {
            return isInt(a) && isInt(b) ? asLong(a) == asLong(b) : asDouble(a) == asDouble(b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    /** Python's ordering for {@code <}, {@code <=}, ...: numbers, strings by code point, lists element by element. */
    static int compare(Object a, Object b, String op) {
        checkDefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            return isInt(a) && isInt(b) ? Long.compare(asLong(a), asLong(b)) : Double.compare(asDouble(a), asDouble(b));
        }
        if (a instanceof String x && b instanceof String y) {
            int[] p = x.codePoints().toArray();
            int[] q = y.codePoints().toArray();
            return java.util.Arrays.compare(p, q);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new TemplateException("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    /** {@code item in container}. */
    static boolean contains(Object container, Object item) {
        return switch (container) {
            case Undefined u -> false;
            case String s -> {
                if (!(item instanceof String sub)) {
                    throw new TemplateException("'in <string>' requires string as left operand, not " + typeName(item));
                }
                yield s.contains(sub);
            }
            case List<?> l -> l.stream().anyMatch(x -> equal(x, item));
            case Map<?, ?> m -> m.keySet().stream().anyMatch(k -> equal(k, item));
            case null, default -> throw new TemplateException("argument of type '" + typeName(container)
                    + "' is not iterable");
        };
    }

    // ---- containers ------------------------------------------------------------------------------------------

    /** The items a {@code for} loop visits: list items, dict keys, string characters; nothing for undefined. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case Undefined u -> List.of();
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> new ArrayList<>(s.codePoints().mapToObj(Character::toString).toList());
            case null, default -> throw new TemplateException("'" + typeName(v) + "' object is not iterable");
        };
    }

    static long length(Object v) {
        return switch (v) {
            case Undefined u -> 0;
            case String s -> s.codePointCount(0, s.length());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case null, default -> throw new TemplateException("object of type '" + typeName(v) + "' has no len()");
        };
    }

    /** {@code obj.name}: a method or attribute first, then the dict key, else undefined (an error on undefined). */
    static Object attribute(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        JinjaFunction method = Methods.bind(obj, name);
        if (method != null) {
            return method;
        }
        return switch (obj) {
            case Map<?, ?> m when m.containsKey(name) -> m.get(name);
            case Namespace ns when ns.attributes.containsKey(name) -> ns.attributes.get(name);
            case LoopInfo loop -> loop.attribute(name);
            case null, default -> Undefined.attribute(obj, name);
        };
    }

    /** {@code obj[key]}: the item first, then for a string key the attribute, else undefined. */
    static Object item(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (obj instanceof Map<?, ?> m && m.containsKey(key)) {
            return m.get(key);
        }
        if (isInt(key) && (obj instanceof List || obj instanceof String)) {
            long n = length(obj);
            long i = asLong(key);
            i = i < 0 ? i + n : i;
            if (i >= 0 && i < n) {
                return obj instanceof List<?> l ? l.get((int) i)
                        : Character.toString(((String) obj).codePointAt(((String) obj).offsetByCodePoints(0, (int) i)));
            }
        }
        return key instanceof String s ? attribute(obj, s) : Undefined.attribute(obj, key);
    }

    /** {@code obj[start:stop:step]} on a list or string, with Python's clamping of out-of-range bounds. */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (!(obj instanceof List || obj instanceof String)) {
            throw new TemplateException("'" + typeName(obj) + "' object is not subscriptable");
        }
        List<Object> items = iterate(obj);
        long n = items.size();
        long s = step == null ? 1 : sliceIndex(step);
        if (s == 0) {
            throw new TemplateException("slice step cannot be zero");
        }
        long lo = start == null ? (s > 0 ? 0 : n - 1) : clamp(sliceIndex(start), n, s);
        long hi = stop == null ? (s > 0 ? n : -1) : clamp(sliceIndex(stop), n, s);
        List<Object> out = new ArrayList<>();
        for (long i = lo; s > 0 ? i < hi : i > hi; i += s) {
            out.add(items.get((int) i));
        }
        return obj instanceof String ? String.join("", out.stream().map(String.class::cast).toList()) : out;
    }

    private static long sliceIndex(Object v) {
        return asLong(require(v, isInt(v), "slice indices must be integers or None"));
    }

    /** The value where it is acceptable; otherwise an undefined value fails with its own message, others with this one. */
    static Object require(Object v, boolean acceptable, String message) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        if (!acceptable) {
            throw new TemplateException(message);
        }
        return v;
    }

    private static long clamp(long i, long n, long step) {
        if (i < 0) {
            i += n;
            return i < 0 ? (step < 0 ? -1 : 0) : i;
        }
        return i >= n ? (step < 0 ? n - 1 : n) : i;
    }
}
