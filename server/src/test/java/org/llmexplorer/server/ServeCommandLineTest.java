package org.llmexplorer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.cli.Llmx;

/** {@code llmx serve} on the command line: found through ServiceLoader, in the help and the completion. */
class ServeCommandLineTest {
    private record Run(int status, String out, String err) {
    }

    private static Run llmx(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Llmx.run(args, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void serveIsACommandWithItsOptions() {
        Run help = llmx("--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(Pattern.compile("(?m)^  serve +the OpenAI-compatible API").matcher(help.out()).find(), help.out());

        Run serve = llmx("serve", "--help");
        assertEquals(0, serve.status(), serve.err());
        for (String shown : new String[] {"Usage: llmx serve", "--port=N", "port (default 8080; 0 picks a free one)",
                "--api-key=K", "--model=F", "--backend=B", "--max-body=BYTES"}) {
            assertTrue(serve.out().contains(shown), shown + " in\n" + serve.out());
        }
        String completion = llmx("completion").out();
        assertTrue(completion.contains("serve") && completion.contains("--max-waiting"), completion);
    }

    @Test
    void badPortIsBadUsage() {
        Run r = llmx("serve", "--port", "70000");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("llmx serve: --port must be 0..65535"), r.err());
        Run typo = llmx("serve", "--por", "8080");
        assertEquals(2, typo.status());
        assertTrue(typo.err().contains("Possible solutions: --port"), typo.err());
    }
}
