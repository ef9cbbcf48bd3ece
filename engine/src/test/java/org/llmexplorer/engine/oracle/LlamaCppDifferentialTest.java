package org.llmexplorer.engine.oracle;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.bench.RandomModels;
import org.llmexplorer.engine.compute.Backends;
import org.llmexplorer.engine.compute.Compute;
import org.llmexplorer.engine.model.Model;
import org.llmexplorer.engine.tensor.GgmlType;

/**
 * The engine against llama.cpp (see {@link Differential} for the rule) on random models of every
 * architecture and weight type the engine computes, several seeds, several prompts, on the SIMD
 * and scalar backends. The default run is a bounded sample (every architecture in F32 and in one
 * quantized type, every weight type on llama); {@code -Doracle.sweep=full} runs every
 * architecture in every type with three seeds and six prompts ({@code scripts/differential}).
 * Each case prints one JSON line.
 */
class LlamaCppDifferentialTest {
    static final List<String> PROMPTS = List.of("Once upon a time, there was a little girl", "The cat sat on the mat and",
            "Tom and Sue went to the park.", "A big dog ran", "She looked at the sky and saw", "Lily had a red ball");
    static final List<GgmlType> TYPES = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
            GgmlType.Q5_K, GgmlType.Q6_K);
    /** Each architecture, as the fixture its random models are made like. */
    static final Map<String, String> ARCHS = new java.util.LinkedHashMap<>();

    static {
        ARCHS.put("llama", "archs/tiny-llama-gqa-F32.gguf");
        ARCHS.put("llama3rope", "archs/tiny-llama3rope-F32.gguf");
        ARCHS.put("qwen2", "archs/tiny-qwen2-F32.gguf");
        ARCHS.put("qwen3", "archs/tiny-qwen2-F32.gguf");
        ARCHS.put("phi3", "archs/tiny-phi3-F32.gguf");
        ARCHS.put("gpt2", "archs/tiny-gpt2-F32.gguf");
        ARCHS.put("gemma2", "archs/tiny-gemma2-F32.gguf");
        ARCHS.put("gemma3", "archs/tiny-gemma2-F32.gguf");
    }

    static LlamaOracle oracle;
    static Compute simd;
    static Compute scalar;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws IOException {
        String missing = LlamaOracle.missing();
        if (missing != null && "1".equals(System.getenv("LLMX_REQUIRE_LLAMA"))) {
            throw new IllegalStateException("LLMX_REQUIRE_LLAMA=1 but " + missing);
        }
        assumeTrue(missing == null, () -> "llama.cpp differential tests skipped: " + missing);
        oracle = LlamaOracle.start();
        simd = Backends.create("simd", 2);
        scalar = Backends.create("scalar", 1);
    }

    @AfterAll
    static void stop() throws IOException {
        if (oracle != null) {
            oracle.close();
            simd.close();
            scalar.close();
        }
    }

    record Case(String arch, GgmlType type, long seed, List<String> prompts) {
    }

    static List<Case> cases() {
        boolean full = "full".equals(System.getProperty("oracle.sweep"));
        List<Case> out = new ArrayList<>();
        if (full) {
            for (String arch : ARCHS.keySet()) {
                for (GgmlType t : TYPES) {
                    for (long seed = 1; seed <= 3; seed++) {
                        out.add(new Case(arch, t, seed, PROMPTS));
                    }
                }
            }
            return out;
        }
        for (String arch : ARCHS.keySet()) {
            out.add(new Case(arch, GgmlType.F32, 1, PROMPTS.subList(0, 2)));
            out.add(new Case(arch, arch.startsWith("gemma") ? GgmlType.Q8_0 : GgmlType.Q4_K, 2, PROMPTS.subList(2, 4)));
        }
        for (GgmlType t : TYPES) {
            out.add(new Case("llama", t, 3, PROMPTS.subList(4, 6)));
        }
        return out;
    }

    /** A random model of the case, written once. */
    static Path model(Case c) throws IOException {
        Path out = dir.resolve(c.arch() + "-" + c.type() + "-" + c.seed() + ".gguf");
        if (!Files.exists(out)) {
            Path template = Shared.path(ARCHS.get(c.arch()));
            if (c.arch().equals("qwen3") || c.arch().equals("gemma3")) {
                Path derived = dir.resolve(c.arch() + "-template.gguf");
                if (!Files.exists(derived)) {
                    RandomModels.derive(template, derived, c.arch(), 1f, true, Map.of());
                }
                template = derived;
            }
            RandomModels.like(template, c.type(), c.seed(), out);
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> ourEngineComputesWhatLlamaCppComputes() {
        // -Doracle.only=qwen2-Q5_1-2,gemma2-Q8_0 runs only the cases whose names start so
        List<String> only = Stream.of(System.getProperty("oracle.only", "").split(","))
                .filter(x -> !x.isBlank()).toList();
        return cases().stream()
                .filter(c -> only.isEmpty() || only.stream().anyMatch((c.arch() + "-" + c.type() + "-" + c.seed())::startsWith))
                .map(c -> DynamicTest.dynamicTest(c.arch() + " " + c.type() + " seed " + c.seed(), () -> {
            Path file = model(c);
            try (Model model = Model.open(file)) {
                for (String prompt : c.prompts()) {
                    LlamaOracle.Answer a = oracle.ask(file, prompt, 24, 5);
                    for (Compute ops : List.of(simd, scalar)) {
                        Differential.Report r = Differential.compare(model, file.getFileName().toString(), prompt, a, ops,
                                ops == simd ? scalar : simd);
                        System.out.println(r.json());
                        assertTrue(r.sameTokens(), "prompt tokens differ from llama.cpp's: " + r.json());
                        assertNull(r.firstReal(), "a divergence rounding does not explain: " + r.json());
                    }
                }
            }
        }));
    }

    /**
     * The divergences first reported on the Q4_1 and Q4_K_M fixtures (issue 16) came from llama.cpp's
     * own default, a KV cache in F16 (keys, values and queries rounded to half precision, which the
     * engine's F32 cache does not do): with it, top tokens part from ours; with an F32 cache,
     * llama.cpp's top token is ours at every position of the prompts that exposed them (on the
     * machine where they were found; elsewhere at most where rounding reaches).
     */
    @Test
    void theQ4_1AndQ4_K_MDivergencesCameFromLlamaCppsHalfPrecisionKvCache() throws Exception {
        String[][] cases = {{"archs/tiny-llama-gqa-Q4_1.gguf", "Once upon a time, there was a little girl"},
                {"archs/tiny-llama-gqa-Q4_K_M.gguf", "Lily had a red ball"},
                {"archs/tiny-llama-gqa-Q4_K_M.gguf", "The cat sat on the mat and"}};
        // Which ggml CPU build runs (it follows the machine) moves llama.cpp's sums, so single
        // positions come and go between machines; the three prompts together are the claim.
        int partedF32 = 0;
        int partedF16 = 0;
        double farF16 = 0;
        double farBothF16 = 0;
        for (String[] c : cases) {
            Path file = Shared.path(c[0]);
            try (Model model = Model.open(file)) {
                LlamaOracle.Answer f32 = oracle.ask(file, c[1], 32, 5, "F32");
                LlamaOracle.Answer f16 = oracle.ask(file, c[1], 32, 5, "F16");
                Differential.Report withF32 = Differential.compare(model, c[0], c[1], f32, simd, scalar);
                Differential.Report withF16 = Differential.compare(model, c[0], c[1], f16, simd, scalar);
                Differential.Report bothF16 = Differential.compare(model, c[0], c[1], f16, simd, scalar,
                        org.llmexplorer.engine.model.KvCache.Type.F16);
                System.out.println("F32 cache: " + withF32.json() + "\nF16 cache: " + withF16.json()
                        + "\nF16 cache on both sides: " + bothF16.json());
                assertNull(withF32.firstReal(), "with an F32 cache: " + withF32.json());
                assertNull(bothF16.firstReal(), "our F16 cache against llama.cpp's: " + bothF16.json());
                partedF32 += withF32.mismatches().size();
                partedF16 += withF16.mismatches().size();
                farF16 += withF16.maxProbDiff();
                farBothF16 += bothF16.maxProbDiff();
            }
        }
        assertTrue(partedF16 > partedF32, "llama.cpp's F16 cache parts from our F32 cache more often than its F32 "
                + "cache does: " + partedF16 + " / " + partedF32);
        assertTrue(farBothF16 < farF16, "our F16 cache is nearer llama.cpp's F16 runs than our F32 cache: "
                + farBothF16 + " / " + farF16);
    }

    /**
     * Every kind of file the project writes loads in llama.cpp and gives our tokens there: the
     * random models of {@code llmx bench --keep} (a vocabulary with byte tokens), a model trained
     * and exported by {@code llmx train}, and the shipped default model.
     */
    @TestFactory
    Stream<DynamicTest> filesWeWriteLoadInLlamaCppAndGiveOurTokens() {
        return Stream.of("bench Q8_0", "bench Q4_K", "bench Q4_K_M", "bench F16", "trained", "default").map(kind ->
                DynamicTest.dynamicTest(kind, () -> {
                    Path file;
                    String prompt = "Once upon a time, there was a little girl";
                    if (kind.startsWith("bench")) {
                        file = dir.resolve("bench-" + kind.substring(6) + ".gguf");
                        org.llmexplorer.engine.bench.RandomModelWriter.write(new org.llmexplorer.engine.bench.ModelShape(
                                "tiny", 2, 256, 512, 4, 2, 600, 10000f, false), org.llmexplorer.engine.bench.WeightMix.parse(kind.substring(6)),
                                file, 3);
                    } else if (kind.equals("trained")) {
                        file = dir.resolve("trained.gguf");
                        var out = new java.io.ByteArrayOutputStream();
                        int status = org.llmexplorer.engine.cli.Llmx.run(new String[] {"train", "--text",
                            Shared.path("reference/stories260K-perplexity.txt").toString(), "--out", file.toString(),
                            "--layers", "2", "--dim", "64", "--heads", "4", "--kv-heads", "2", "--vocab", "300", "--seq", "32",
                            "--batch", "4", "--steps", "20", "--type", "f16"}, java.io.InputStream.nullInputStream(),
                                new java.io.PrintStream(out), new java.io.PrintStream(out));
                        assertTrue(status == 0, out.toString());
                    } else {
                        file = org.llmexplorer.engine.model.DefaultModel.find().orElseThrow();
                        prompt = "And God said unto Moses";
                    }
                    try (Model model = Model.open(file)) {
                        LlamaOracle.Answer a = oracle.ask(file, prompt, 24, 5);
                        Differential.Report r = Differential.compare(model, kind, prompt, a, simd, scalar);
                        System.out.println(r.json());
                        assertTrue(r.sameTokens(), "llama.cpp tokenizes the prompt as we do: " + r.json());
                        assertNull(r.firstReal(), r.json());
                    }
                }));
    }
}
