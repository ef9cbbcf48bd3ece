package org.llmexplorer.app.viewmodel;

import java.util.ArrayList;
import java.util.List;

/**
 * Logit bias as a person writes it: entries separated by commas or new lines, each a token id or
 * a quoted token text, {@code =}, and a number added to that token's logit ({@code -inf} bans
 * it). Example: {@code ' the'=-5, 13=+2, "\n"=-inf}.
 */
final class LogitBiasText {

    /** One entry: a token id, or (id -1) a text to look up as one token. */
    record Entry(int id, String text, float bias) {
    }

    private LogitBiasText() {
    }

    /** The entries, or an IllegalArgumentException naming the entry that cannot be read. */
    static List<Entry> parse(String text) {
        List<Entry> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            String token = null;
            int id = -1;
            if (c == '\'' || c == '"') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (j < n && text.charAt(j) != c) {
                    char d = text.charAt(j);
                    if (d == '\\' && j + 1 < n) {
                        char e = text.charAt(++j);
                        sb.append(switch (e) {
                            case 'n' -> '\n';
                            case 't' -> '\t';
                            default -> e;
                        });
                    } else {
                        sb.append(d);
                    }
                    j++;
                }
                if (j >= n) {
                    throw new IllegalArgumentException("logit bias: the quote opened at character " + (start + 1)
                            + " is not closed");
                }
                token = sb.toString();
                if (token.isEmpty()) {
                    throw new IllegalArgumentException("logit bias: an empty token text at character " + (start + 1));
                }
                i = j + 1;
            } else {
                int j = i;
                while (j < n && Character.isDigit(text.charAt(j))) {
                    j++;
                }
                if (j == i) {
                    throw new IllegalArgumentException("logit bias: expected a token id or a quoted text at character "
                            + (start + 1) + " ('" + text.substring(start, Math.min(n, start + 12)) + "')");
                }
                id = Integer.parseInt(text.substring(i, j));
                i = j;
            }
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            if (i >= n || text.charAt(i) != '=') {
                throw new IllegalArgumentException("logit bias: '" + text.substring(start, i).strip()
                        + "' needs =BIAS after it, e.g. =-5");
            }
            int j = ++i;
            while (j < n && text.charAt(j) != ',' && text.charAt(j) != '\n') {
                j++;
            }
            String value = text.substring(i, j).strip();
            float bias;
            if (value.equalsIgnoreCase("-inf")) {
                bias = Float.NEGATIVE_INFINITY;
            } else {
                try {
                    bias = Float.parseFloat(value.startsWith("+") ? value.substring(1) : value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("logit bias: '" + value + "' is not a number (after '"
                            + text.substring(start, i - 1).strip() + "=')");
                }
            }
            out.add(new Entry(id, token, bias));
            i = j;
        }
        return out;
    }
}
