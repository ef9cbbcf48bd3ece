package org.llmexplorer.engine.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.template.ChatMessage;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/**
 * The conversation as the model reads it, and where each of its tokens comes from.
 *
 * <p>With a chat template: the messages rendered, with the assistant's turn opened when the last
 * message is not the assistant's, and special-token text read as those tokens (BOS added only
 * when the rendering does not begin with it). Without one: BOS, then every message's text in
 * order, a text the model continues.
 */
final class Transcript {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final String systemPrompt;

    Transcript(Tokenizer tokenizer, ChatTemplate template, String systemPrompt) {
        this.tokenizer = tokenizer;
        this.template = template;
        this.systemPrompt = systemPrompt;
    }

    /** The text the tokenizer reads, where each message's text lies in it, and whether BOS is added. */
    private record Rendered(String text, int[] starts, int[] ends, boolean addBos) {
    }

    private Rendered render(List<Message> messages) {
        int[] starts = new int[messages.size()];
        int[] ends = new int[messages.size()];
        if (template == null) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < messages.size(); i++) {
                starts[i] = sb.length();
                sb.append(messages.get(i).text());
                ends[i] = sb.length();
            }
            return new Rendered(sb.toString(), starts, ends, true);
        }
        List<ChatMessage> chat = new ArrayList<>();
        if (!systemPrompt.isBlank()) {
            chat.add(ChatMessage.of("system", systemPrompt));
        }
        for (Message m : messages) {
            chat.add(ChatMessage.of(m.role(), m.text()));
        }
        boolean openTurn = messages.isEmpty() || !messages.getLast().role().equals("assistant");
        String text = template.render(chat, openTurn, null);
        // Where each message landed: in order, its text as written (or trimmed, as some templates do).
        int from = 0;
        for (int i = 0; i < messages.size(); i++) {
            String m = messages.get(i).text();
            int at = m.isEmpty() ? -1 : text.indexOf(m, from);
            if (at < 0 && !m.strip().isEmpty()) {
                m = m.strip();
                at = text.indexOf(m, from);
            }
            starts[i] = at < 0 ? -1 : at;
            ends[i] = at < 0 ? -1 : at + m.length();
            from = at < 0 ? from : at + m.length();
        }
        String bos = template.specialTokens().get("bos_token");
        boolean hasBos = bos != null && !bos.isEmpty() && text.startsWith(bos);
        return new Rendered(text, starts, ends, !hasBos);
    }

    int[] tokens(List<Message> messages) {
        Rendered r = render(messages);
        return tokenizer.encode(r.text(), r.addBos(), template != null);
    }

    /**
     * For each token of {@code tokens(messages)}, the characters of a message it stands for. The
     * tokens' pieces are laid over the rendered text byte by byte; a piece that is not there (BOS,
     * or SentencePiece's space before the first word) takes no characters.
     */
    TokenSpan[] spans(List<Message> messages, int[] tokens) {
        Rendered r = render(messages);
        byte[] utf8 = r.text().getBytes(StandardCharsets.UTF_8);
        int[] charAt = charIndexOfByte(r.text(), utf8.length);
        TokenSpan[] out = new TokenSpan[tokens.length];
        int b = 0;
        for (int t = 0; t < tokens.length; t++) {
            int len = matchLength(utf8, b, tokenizer.piece(tokens[t], true));
            int cs = charAt[b];
            int ce = charAt[b + len];
            b += len;
            out[t] = TokenSpan.NONE;
            for (int m = 0; m < messages.size() && ce > cs; m++) {
                if (r.starts()[m] >= 0 && cs < r.ends()[m] && ce > r.starts()[m]) {
                    out[t] = new TokenSpan(m, Math.max(cs, r.starts()[m]) - r.starts()[m],
                            Math.min(ce, r.ends()[m]) - r.starts()[m]);
                    break;
                }
            }
        }
        return out;
    }

    /** How many bytes of text at {@code at} the piece covers: all of it, all but a leading space, or none. */
    private static int matchLength(byte[] text, int at, byte[] piece) {
        if (piece.length == 0) {
            return 0;
        }
        if (startsWith(text, at, piece, 0)) {
            return piece.length;
        }
        if (piece[0] == ' ' && startsWith(text, at, piece, 1)) {
            return piece.length - 1;
        }
        return 0;
    }

    private static boolean startsWith(byte[] text, int at, byte[] piece, int skip) {
        int n = piece.length - skip;
        return n > 0 && at + n <= text.length && Arrays.equals(text, at, at + n, piece, skip, piece.length);
    }

    /** For each byte offset of the text's UTF-8 (and its end), the index of the char where its code point starts. */
    private static int[] charIndexOfByte(String s, int bytes) {
        int[] out = new int[bytes + 1];
        int b = 0;
        for (int c = 0; c < s.length(); ) {
            int cp = s.codePointAt(c);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            for (int k = 0; k < n && b < bytes; k++) {
                out[b++] = c;
            }
            c += Character.charCount(cp);
        }
        out[bytes] = s.length();
        return out;
    }

    /** The tokens the model had read before step {@code step} of message {@code message}. */
    int[] before(List<Message> messages, int message, int step) {
        int[] transcript = tokens(messages.subList(0, message));
        List<Step> steps = messages.get(message).steps();
        int[] h = Arrays.copyOf(transcript, transcript.length + step);
        for (int i = 0; i < step; i++) {
            h[transcript.length + i] = steps.get(i).token();
        }
        return h;
    }
}
