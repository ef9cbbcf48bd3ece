package org.llmexplorer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The server against the official openai npm package (scripts/openai-client/check.mjs): chat,
 * completion, streaming, logprobs and errors, greedy text equal to llmx generate's. Runs where
 * the package is installed (cd scripts/openai-client &amp;&amp; npm ci); CI installs it and sets
 * LLMX_REQUIRE_NODE=1 so that it cannot be skipped there.
 */
class OpenAiNpmClientTest {
    static final Path SCRIPT = Path.of("scripts/openai-client");

    @Test
    void theOpenAiNpmPackageIsServed() throws Exception {
        boolean installed = Files.isDirectory(SCRIPT.resolve("node_modules/openai"));
        if ("1".equals(System.getenv("LLMX_REQUIRE_NODE"))) {
            assertTrue(installed, "LLMX_REQUIRE_NODE=1 but the openai package is not installed (cd " + SCRIPT + " && npm ci)");
        }
        assumeTrue(installed, "the openai npm package is not installed in " + SCRIPT);
        int n = 20;
        String prompt = OpenAiSdkTest.PROMPT;
        String expected = OpenAiSdkTest.generate(prompt, n).get("text").asText();
        try (LlmxServer server = LlmxServer.start(LlmxServer.Options.local(OpenAiSdkTest.MODEL, 0))) {
            Process p = new ProcessBuilder("node", "check.mjs", server.url() + "/v1", server.modelId(), prompt, expected,
                    String.valueOf(n)).directory(SCRIPT.toFile()).redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "node check.mjs finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println(out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("\"ok\":true"), out);
        }
    }
}
