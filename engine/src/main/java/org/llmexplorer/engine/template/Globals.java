package org.llmexplorer.engine.template;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The functions a chat template can call: Hugging Face's {@code raise_exception} and {@code strftime_now}, and
 * Jinja's {@code namespace}, {@code range} and {@code dict}.
 */
final class Globals {
    private Globals() {
    }

    static Map<String, Object> all() {
        Map<String, Object> globals = new LinkedHashMap<>();
        globals.put("raise_exception", (JinjaFunction) (args, kw) -> {
            throw new TemplateException(args.isEmpty() ? "" : Values.str(args.getFirst()));
        });
        globals.put("namespace", (JinjaFunction) (args, kw) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (a instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> ns.attributes.put(Values.str(k), v));
                }
            }
            ns.attributes.putAll(kw);
            return ns;
        });
        globals.put("dict", (JinjaFunction) (args, kw) -> new LinkedHashMap<Object, Object>(kw));
        globals.put("range", (JinjaFunction) Globals::range);
        globals.put("strftime_now", (JinjaFunction) (args, kw) ->
                strftime(LocalDateTime.now(), Values.str(Methods.arg(args, kw, 0, "format", ""))));
        return globals;
    }

    private static Object range(List<Object> args, Map<String, Object> kw) {
        for (Object a : args) {
            Values.require(a, Values.isInt(a), "'" + Values.typeName(a) + "' object cannot be interpreted as an integer");
        }
        long start = args.size() > 1 ? Values.asLong(args.get(0)) : 0;
        long stop = args.size() == 1 ? Values.asLong(args.get(0)) : args.size() > 1 ? Values.asLong(args.get(1)) : 0;
        long step = args.size() > 2 ? Values.asLong(args.get(2)) : 1;
        if (step == 0) {
            throw new TemplateException("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(i);
        }
        return out;
    }

    /** Python's {@code strftime} directives (and glibc's {@code %-d} family without padding). */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 >= format.length()) {
                sb.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean unpadded = d == '-' && i + 1 < format.length();
            if (unpadded) {
                d = format.charAt(++i);
            }
            String pattern = switch (d) {
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'b', 'h' -> "MMM";
                case 'B' -> "MMMM";
                case 'd' -> unpadded ? "d" : "dd";
                case 'e' -> "ppd";
                case 'm' -> unpadded ? "M" : "MM";
                case 'y' -> "yy";
                case 'Y' -> "yyyy";
                case 'H' -> unpadded ? "H" : "HH";
                case 'I' -> unpadded ? "h" : "hh";
                case 'M' -> unpadded ? "m" : "mm";
                case 'S' -> unpadded ? "s" : "ss";
                case 'p' -> "a";
                case 'j' -> unpadded ? "D" : "DDD";
                default -> null;
            };
            if (pattern != null) {
                sb.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(t));
            } else if (d == '%') {
                sb.append('%');
            } else {
                sb.append('%').append(d);
            }
        }
        return sb.toString();
    }
}
