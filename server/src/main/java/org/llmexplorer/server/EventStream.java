package org.llmexplorer.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A server-sent event stream as OpenAI writes one: {@code data: <json>} and a blank line per
 * event, flushed at once. (Helidon's own SSE sink serves only requests whose Accept header names
 * text/event-stream, and the OpenAI SDKs send {@code Accept: application/json} when they stream.)
 * A write to a client that has gone throws {@link UncheckedIOException}.
 */
final class EventStream implements AutoCloseable {
    private final OutputStream out;

    EventStream(ServerResponse res) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        this.out = res.outputStream();
    }

    void data(String data) {
        write("data: " + data + "\n\n");
    }

    /** A comment line, ignored by readers: keeps a waiting connection open and finds dead clients. */
    void comment(String text) {
        write(": " + text + "\n\n");
    }

    private void write(String s) {
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
