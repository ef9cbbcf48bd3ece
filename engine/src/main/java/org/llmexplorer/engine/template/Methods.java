package org.llmexplorer.engine.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The Python methods templates call on strings ({@code s.startswith('x')}) and dicts ({@code d.items()}). */
final class Methods {
    private Methods() {
    }

    /** The method {@code name} bound to {@code receiver}, or null where the value has none by that name. */
    static JinjaFunction bind(Object receiver, String name) {
        if (receiver instanceof String s) {
            return string(s, name);
        }
        if (receiver instanceof Map<?, ?> m) {
            return dict(m, name);
        }
        return null;
    }

    private static JinjaFunction dict(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> (args, kw) -> m.entrySet().stream()
                    .map(e -> (Object) new Tuple(Arrays.asList(e.getKey(), e.getValue()))).toList();
            case "keys" -> (args, kw) -> new ArrayList<Object>(m.keySet());
            case "values" -> (args, kw) -> new ArrayList<Object>(m.values());
            case "get" -> (args, kw) -> {
                Object key = arg(args, kw, 0, "key", null);
                return m.containsKey(key) ? m.get(key) : arg(args, kw, 1, "default", null);
            };
            default -> null;
        };
    }

    private static JinjaFunction string(String s, String name) {
        return switch (name) {
            case "startswith" -> (args, kw) -> affix(s, arg(args, kw, 0, "prefix", null), true);
            case "endswith" -> (args, kw) -> affix(s, arg(args, kw, 0, "suffix", null), false);
            case "split" -> (args, kw) -> split(s, arg(args, kw, 0, "sep", null), maxsplit(args, kw));
            case "strip" -> (args, kw) -> strip(s, arg(args, kw, 0, "chars", null), true, true);
            case "lstrip" -> (args, kw) -> strip(s, arg(args, kw, 0, "chars", null), true, false);
            case "rstrip" -> (args, kw) -> strip(s, arg(args, kw, 0, "chars", null), false, true);
            case "lower" -> (args, kw) -> s.toLowerCase(Locale.ROOT);
            case "upper" -> (args, kw) -> s.toUpperCase(Locale.ROOT);
            case "title" -> (args, kw) -> title(s);
            case "capitalize" -> (args, kw) -> capitalize(s);
            case "replace" -> (args, kw) -> replace(s, text(arg(args, kw, 0, "old", null)),
                    text(arg(args, kw, 1, "new", null)), Values.asLong(arg(args, kw, 2, "count", -1L)));
            case "find" -> (args, kw) -> codePointIndex(s, s.indexOf(text(arg(args, kw, 0, "sub", null))));
            case "rfind" -> (args, kw) -> codePointIndex(s, s.lastIndexOf(text(arg(args, kw, 0, "sub", null))));
            case "count" -> (args, kw) -> count(s, text(arg(args, kw, 0, "sub", null)));
            case "join" -> (args, kw) -> String.join(s, Values.iterate(arg(args, kw, 0, "iterable", null)).stream()
                    .map(Methods::text).toList());
            case "splitlines" -> (args, kw) -> new ArrayList<Object>(s.lines().toList());
            case "removeprefix" -> (args, kw) -> {
                String p = text(arg(args, kw, 0, "prefix", null));
                return s.startsWith(p) ? s.substring(p.length()) : s;
            };
            case "removesuffix" -> (args, kw) -> {
                String p = text(arg(args, kw, 0, "suffix", null));
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            };
            case "isdigit" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (args, kw) -> !s.isEmpty() && s.codePoints().allMatch(Values::isSpace);
            case "islower" -> (args, kw) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper" -> (args, kw) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> null;
        };
    }

    /** Positional argument {@code i}, else keyword {@code name}, else the default. */
    static Object arg(List<Object> args, Map<String, Object> kwargs, int i, String name, Object fallback) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kwargs.getOrDefault(name, fallback);
    }

    private static String text(Object v) {
        if (v instanceof String s) {
            return s;
        }
        throw new TemplateException("expected str, got " + Values.typeName(v));
    }

    private static long maxsplit(List<Object> args, Map<String, Object> kw) {
        Object v = arg(args, kw, 1, "maxsplit", -1L);
        return Values.isInt(v) ? Values.asLong(v) : -1;
    }

    private static boolean affix(String s, Object affix, boolean prefix) {
        List<Object> options = affix instanceof List<?> l ? new ArrayList<>(l) : List.of(text(affix));
        for (Object o : options) {
            if (prefix ? s.startsWith(text(o)) : s.endsWith(text(o))) {
                return true;
            }
        }
        return false;
    }

    /** Python's {@code str.split}: by a separator, or with none by runs of whitespace, dropping empty ends. */
    static List<Object> split(String s, Object sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Values.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(s.substring(i));
                    return out;
                }
                int j = i;
                while (j < n && !Values.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        String separator = text(sep);
        if (separator.isEmpty()) {
            throw new TemplateException("empty separator");
        }
        int from = 0;
        for (int at = s.indexOf(separator); at >= 0 && (maxsplit < 0 || out.size() < maxsplit);
             at = s.indexOf(separator, from)) {
            out.add(s.substring(from, at));
            from = at + separator.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** Python's strip family: whitespace (see {@link Values#isSpace}), or any of the given characters. */
    static String strip(String s, Object chars, boolean left, boolean right) {
        int[] cps = s.codePoints().toArray();
        String set = chars == null ? null : text(chars);
        int a = 0;
        int b = cps.length;
        while (left && a < b && strips(cps[a], set)) {
            a++;
        }
        while (right && b > a && strips(cps[b - 1], set)) {
            b--;
        }
        return new String(cps, a, b - a);
    }

    private static boolean strips(int c, String set) {
        return set == null ? Values.isSpace(c) : set.indexOf(Character.toString(c)) >= 0;
    }

    /** Python's {@code str.title}: upper case after anything that is not a letter, lower case otherwise. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean previousLetter = false;
        for (int c : s.codePoints().toArray()) {
            sb.appendCodePoint(previousLetter ? Character.toLowerCase(c) : Character.toTitleCase(c));
            previousLetter = Character.isLetter(c);
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long done = 0; done < count; done++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(replacement);
            from = at + old.length();
            if (old.isEmpty() && at < s.length()) {
                sb.append(s.charAt(at));
                from++;
            }
        }
        return sb.append(s.substring(Math.min(from, s.length()))).toString();
    }

    private static long codePointIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    private static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.codePointCount(0, s.length()) + 1;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }
}
