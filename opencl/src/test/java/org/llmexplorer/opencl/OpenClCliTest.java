package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.cli.Llmx;

/** {@code llmx devices}, and the commands that take --backend opencl --device. */
class OpenClCliTest {

    private record Run(int status, String out, String err) {
    }

    private static Run llmx(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Llmx.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void devicesListsThemAsJsonAndText() {
        Device d = TestDevice.get();
        Run json = llmx("devices", "--json");
        assertEquals(0, json.status(), json.err());
        assertTrue(json.out().startsWith("{\"devices\":[{\"index\":0,") && json.out().contains(d.name()), json.out());
        Run text = llmx("devices");
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("0: " + d.name()) && text.out().contains("(default)"), text.out());
    }

    @Test
    void generateAndBenchRunOnTheDevice() {
        TestDevice.get();
        String model = Shared.path("models/stories260K.gguf").toString();
        Run gen = llmx("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "12",
                "--temperature", "0", "--backend", "opencl", "--device", "0", "--json");
        assertEquals(0, gen.status(), gen.err());
        assertTrue(gen.out().contains("\"backend\":\"opencl\"") && gen.out().contains(", there was a little girl"),
                gen.out());
        Run bench = llmx("bench", "--model", model, "--backend", "opencl", "--prompt-tokens", "16", "--gen-tokens", "8",
                "--repetitions", "1", "--no-bandwidth", "--json");
        assertEquals(0, bench.status(), bench.err());
        assertTrue(bench.out().contains("\"backend\":\"opencl\"") && bench.out().contains("\"tg_tps\""), bench.out());
    }

    @Test
    void aDeviceThatIsNotThereIsAnErrorThatListsTheDevices() {
        Device d = TestDevice.get();
        Run r = llmx("generate", "--model", Shared.path("models/stories260K.gguf").toString(), "--prompt", "Hi",
                "--backend", "opencl", "--device", "7");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("no OpenCL device '7'") && r.err().contains(d.name()), r.err());
        Run usage = llmx("generate", "--model", Shared.path("models/stories260K.gguf").toString(), "--prompt", "Hi",
                "--device", "0");
        assertEquals(2, usage.status());
        assertTrue(usage.err().contains("--device picks an OpenCL device"), usage.err());
    }
}
