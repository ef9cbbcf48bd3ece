package org.llmexplorer.opencl;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.bench.RandomModels;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.oracle.Differential;
import org.llmexplorer.engine.oracle.LlamaOracle;
import org.llmexplorer.engine.tensor.GgmlType;

/** The device against llama.cpp, judged by the engine's rule (see Differential), on random models of several kinds. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceDifferentialTest {
    private OpenClCompute device;
    private Compute scalar;
    private LlamaOracle oracle;
    @TempDir
    Path dir;

    @BeforeAll
    void start() throws Exception {
        device = TestDevice.compute();
        String missing = LlamaOracle.missing();
        if (missing != null && "1".equals(System.getenv("LLMX_REQUIRE_LLAMA"))) {
            throw new IllegalStateException("LLMX_REQUIRE_LLAMA=1 but " + missing);
        }
        assumeTrue(missing == null, () -> "llama.cpp differential tests skipped: " + missing);
        oracle = LlamaOracle.start();
        scalar = new org.llmexplorer.engine.compute.ScalarCompute();
    }

    @AfterAll
    void stop() throws Exception {
        if (oracle != null) {
            oracle.close();
        }
        if (device != null) {
            device.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> theDeviceComputesWhatLlamaCppComputes() {
        Map<String, GgmlType> cases = new java.util.LinkedHashMap<>();
        cases.put("archs/tiny-llama-gqa-F32.gguf", GgmlType.F32);
        cases.put("archs/tiny-qwen2-F32.gguf", GgmlType.Q4_0);
        cases.put("archs/tiny-gpt2-F32.gguf", GgmlType.Q8_0);
        cases.put("archs/tiny-phi3-F32.gguf", GgmlType.Q4_K);
        cases.put("archs/tiny-llama3rope-F32.gguf", GgmlType.Q6_K);
        return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey() + " as " + e.getValue(), () -> {
            Path file = dir.resolve(Path.of(e.getKey()).getFileName() + "-" + e.getValue() + ".gguf");
            RandomModels.like(Shared.path(e.getKey()), e.getValue(), 5, file);
            try (Model model = Model.open(file)) {
                assertTrue(device.declines(model.transformer()) == null, "runs on the device");
                for (String prompt : List.of("Once upon a time, there was a little girl", "Tom and Sue went to the park.")) {
                    LlamaOracle.Answer a = oracle.ask(file, prompt, 24, 5);
                    Differential.Report r = Differential.compare(model, file.getFileName().toString(), prompt, a, device,
                            scalar);
                    System.out.println(r.json());
                    assertTrue(r.sameTokens());
                    assertNull(r.firstReal(), r.json());
                }
            }
        }));
    }
}
