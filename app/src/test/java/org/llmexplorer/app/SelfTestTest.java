package org.llmexplorer.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The installed launcher's --self-test, run in process (headless through Monocle in the tests). */
class SelfTestTest {

    private static JsonNode run(List<String> args, int expectedStatus) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            status = SelfTest.run(args);
        } finally {
            System.setOut(saved);
        }
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(expectedStatus, status, out.toString(StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    /** The self-test's own settings folders in the temporary directory. */
    private static List<Path> leftFolders() throws Exception {
        try (var dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return dirs.filter(p -> p.getFileName().toString().startsWith("llmx-self-test")).toList();
        }
    }

    @Test
    void generatesOnEveryCpuBackendAndRendersEveryPanel() throws Exception {
        List<Path> before = leftFolders();
        JsonNode j = run(List.of("--self-test", "--model", "../shared/models/stories260K.gguf"), 0);
        assertEquals(before, leftFolders(), "the self-test leaves no settings folder behind");
        assertTrue(j.get("ok").asBoolean(), j.toString());
        // Greedy on both backends: the same 8 tokens (llama.cpp's, see the engine's golden tests).
        assertEquals(j.at("/backends/scalar/tokens"), j.at("/backends/simd/tokens"));
        assertEquals(8, j.at("/backends/simd/tokens").size());
        for (String tab : List.of("sampling", "attention", "generation", "train")) {
            assertTrue(j.get("panels").has(tab), tab + " in " + j.get("panels"));
        }
        // With a device (PoCL on the test machines) OpenCL gives the same greedy tokens; without one it says why.
        JsonNode opencl = j.at("/backends/opencl");
        if (opencl.isObject()) {
            assertEquals(j.at("/backends/simd/tokens"), opencl.get("tokens"));
        } else {
            assertTrue(opencl.asText().startsWith("not available: "), opencl.asText());
        }
    }

    @Test
    void aMissingModelFailsWithTheReason() throws Exception {
        JsonNode j = run(List.of("--self-test", "--model", "no-such-model.gguf"), 1);
        assertTrue(j.get("error").asText().contains("no-such-model.gguf"), j.toString());
    }
}
