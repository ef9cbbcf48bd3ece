package org.llmexplorer.engine.template;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way Jinja does with Hugging Face's settings ({@code trim_blocks} and
 * {@code lstrip_blocks} on, the final newline of the template dropped):
 * <ul>
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} remove all whitespace before the tag, {@code -%}}, {@code -}}},
 *       {@code -#}} all whitespace after it;</li>
 *   <li>trim_blocks: the first newline after a {@code %}} or {@code #}} is removed ({@code +%}} keeps it);</li>
 *   <li>lstrip_blocks: spaces and tabs between the start of a line and a {@code {%} or {@code {#} are removed
 *       ({@code {%+} keeps them); never before {@code {{};</li>
 *   <li>{@code {% raw %}...{% endraw %}} is text.</li>
 * </ul>
 * Inside a tag, strings may hold raw newlines and Python escapes; the end delimiter only counts outside brackets.
 */
final class Lexer {
    private static final String[] OPERATORS = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
        "<", ">", "=", ".", ",", ":", "|", "(", ")", "[", "]", "{", "}"};
    private static final Pattern END_RAW = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");

    private final String src;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        this.src = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        List<Integer> starts = new ArrayList<>(List.of(0));
        for (int i = 0; i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        int n = src.length();
        while (pos < n) {
            int start = pos;
            int open = nextTagOpening(pos);
            String text = src.substring(start, open < 0 ? n : open);
            if (open < 0) {
                add(Token.Kind.TEXT, text, text, start);
                pos = n;
                break;
            }
            char kind = src.charAt(open + 1);
            char control = open + 2 < n ? src.charAt(open + 2) : ' ';
            if (control == '-') {
                text = stripTrailingSpace(text);
            } else if (kind != '{' && control != '+') {
                text = lstripBlock(text, start == 0 || src.charAt(start - 1) == '\n');
            }
            if (!text.isEmpty()) {
                add(Token.Kind.TEXT, text, text, start);
            }
            pos = open + 2 + (control == '-' || (control == '+' && kind != '{') ? 1 : 0);
            if (kind == '#') {
                comment(open);
            } else {
                tag(kind == '{', open);
            }
        }
        add(Token.Kind.EOF, "", null, n);
    }

    /** The index of the next {@code {{}, {@code {%} or {@code {#}, or -1. */
    private int nextTagOpening(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** lstrip_blocks: drops spaces and tabs that stand alone between the start of the line and the tag. */
    private static String lstripBlock(String text, boolean startsLine) {
        int nl = text.lastIndexOf('\n');
        if (nl < 0 && !startsLine) {
            return text;
        }
        for (int i = nl + 1; i < text.length(); i++) {
            if (!isSpace(text.charAt(i)) || text.charAt(i) == '\n') {
                return text;
            }
        }
        return text.substring(0, nl + 1);
    }

    private void comment(int open) {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
            throw error("Missing end of comment tag", open);
        }
        pos = end + 2;
        afterTagEnd(src.charAt(end - 1), true);
    }

    private void tag(boolean variable, int open) {
        add(variable ? Token.Kind.VAR_BEGIN : Token.Kind.BLOCK_BEGIN, variable ? "{{" : "{%", null, open);
        int first = tokens.size();
        String end = variable ? "}}" : "%}";
        int depth = 0;
        while (true) {
            while (pos < src.length() && isSpace(src.charAt(pos))) {
                pos++;
            }
            if (pos >= src.length()) {
                throw error("unexpected end of template, expected '" + end + "'", open);
            }
            if (depth == 0) {
                char c = src.charAt(pos);
                boolean control = (c == '-' || (c == '+' && !variable)) && src.startsWith(end, pos + 1);
                if (control || src.startsWith(end, pos)) {
                    add(variable ? Token.Kind.VAR_END : Token.Kind.BLOCK_END, end, null, pos);
                    pos += end.length() + (control ? 1 : 0);
                    afterTagEnd(control ? c : ' ', !variable);
                    break;
                }
            }
            Token t = expressionToken();
            if (t.kind() == Token.Kind.OP) {
                switch (t.text()) {
                    case "(", "[", "{" -> depth++;
                    case ")", "]", "}" -> depth = Math.max(0, depth - 1);
                    default -> { }
                }
            }
            tokens.add(t);
        }
        if (!variable && tokens.size() == first + 2 && tokens.get(first).isName("raw")) {
            raw(open);
        }
    }

    /** Whitespace control after a closing delimiter: {@code -} strips all whitespace, a block drops one newline. */
    private void afterTagEnd(char control, boolean block) {
        if (control == '-') {
            while (pos < src.length() && isSpace(src.charAt(pos))) {
                pos++;
            }
        } else if (block && control != '+' && pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
    }

    private void raw(int open) {
        Matcher m = END_RAW.matcher(src);
        if (!m.find(pos)) {
            throw error("Unexpected end of template. Jinja was looking for the following tags: 'endraw'.", open);
        }
        String text = src.substring(pos, m.start());
        if (m.group(1).equals("-")) {
            text = stripTrailingSpace(text);
        }
        tokens.subList(tokens.size() - 3, tokens.size()).clear();
        add(Token.Kind.TEXT, text, text, pos);
        pos = m.end();
        afterTagEnd(m.group(2).isEmpty() ? ' ' : m.group(2).charAt(0), true);
    }

    private Token expressionToken() {
        int start = pos;
        char c = src.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
            String name = src.substring(start, pos);
            return token(Token.Kind.NAME, name, name, start);
        }
        if (Character.isDigit(c)) {
            return number(start);
        }
        if (c == '\'' || c == '"') {
            return string(start, c);
        }
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                pos += op.length();
                return token(Token.Kind.OP, op, op, start);
            }
        }
        throw error("unexpected char '" + c + "'", start);
    }

    private Token number(int start) {
        boolean afterDot = start > 0 && src.charAt(start - 1) == '.';
        skipDigits();
        boolean isFloat = false;
        if (!afterDot && pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            pos++;
            skipDigits();
            isFloat = true;
        }
        if (!afterDot && pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int save = pos++;
            if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
                pos++;
            }
            if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                skipDigits();
                isFloat = true;
            } else {
                pos = save;
            }
        }
        String text = src.substring(start, pos);
        String digits = text.replace("_", "");
        Object value = isFloat ? (Object) Double.parseDouble(digits) : (Object) Long.parseLong(digits);
        return token(isFloat ? Token.Kind.FLOAT : Token.Kind.INT, text, value, start);
    }

    private void skipDigits() {
        while (pos < src.length() && (Character.isDigit(src.charAt(pos))
                || (src.charAt(pos) == '_' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1))))) {
            pos++;
        }
    }

    /** A quoted string with Python's escapes; raw newlines are allowed inside. */
    private Token string(int start, char quote) {
        StringBuilder sb = new StringBuilder();
        pos++;
        while (true) {
            if (pos >= src.length()) {
                throw error("unexpected end of string", start);
            }
            char c = src.charAt(pos++);
            if (c == quote) {
                break;
            }
            if (c != '\\' || pos >= src.length()) {
                sb.append(c);
                continue;
            }
            char e = src.charAt(pos++);
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000B');
                case 'a' -> sb.append('\u0007');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { } // a backslash before a line break joins the lines
                case 'x' -> sb.appendCodePoint(hex(2, start));
                case 'u' -> sb.appendCodePoint(hex(4, start));
                case 'U' -> sb.appendCodePoint(hex(8, start));
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (src.charAt(pos++) - '0');
                        }
                        sb.append((char) v);
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return token(Token.Kind.STRING, src.substring(start, pos), sb.toString(), start);
    }

    private int hex(int digits, int start) {
        if (pos + digits > src.length()) {
            throw error("truncated \\x, \\u or \\U escape in a string", start);
        }
        try {
            int v = Integer.parseInt(src.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw error("truncated \\x, \\u or \\U escape in a string", start);
        }
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    private static String stripTrailingSpace(String text) {
        int end = text.length();
        while (end > 0 && isSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    private void add(Token.Kind kind, String text, Object value, int offset) {
        tokens.add(token(kind, text, value, offset));
    }

    private Token token(Token.Kind kind, String text, Object value, int offset) {
        int line = line(offset);
        return new Token(kind, text, value, line + 1, offset - lineStarts[line] + 1);
    }

    private int line(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        return i >= 0 ? i : -i - 2;
    }

    private TemplateException error(String message, int offset) {
        int line = line(offset);
        return new TemplateException(message, line + 1, offset - lineStarts[line] + 1);
    }
}
