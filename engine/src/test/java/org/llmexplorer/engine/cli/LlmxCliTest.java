package org.llmexplorer.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.Shared;

/** The command line as a user runs it: exit codes, JSON output, messages. */
class LlmxCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STORIES = Shared.path("models/stories260K.gguf").toString();

    record Run(int status, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    static Run llmx(String... args) {
        return llmxWithInput("", args);
    }

    static Run llmxWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Llmx.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void chatContinuesTurnsGreedilyAsGenerateDoes() throws Exception {
        // Greedy: the first reply is what generate gives for the same text; /regen repeats it.
        JsonNode ref = Shared.json("reference/stories260K-greedy.json").get("cases").get(1);
        String prompt = ref.get("prompt").asText();
        Run r = llmxWithInput(prompt + "\n/regen\n/quit\n", "chat", "--model", STORIES, "--temperature", "0",
                "--max-tokens", "16");
        assertEquals(0, r.status(), r.err());
        Run g = llmx("generate", "--model", STORIES, "--prompt", prompt, "--max-tokens", "16", "--temperature", "0",
                "--json");
        String reply = g.json().get("text").asText();
        String[] lines = r.out().split("\n", 2);
        assertTrue(lines[0].contains("no chat template"), lines[0]);
        assertEquals("> " + reply + "\n> " + reply + "\n> \n", lines[1]);
    }

    /** A message longer than the whole context is said in brackets, and the chat goes on. */
    @Test
    void chatSaysWhatTheContextCannotTakeAndGoesOn() {
        String tooLong = " Lily went to the park with her mom and dad.".repeat(12);
        Run r = llmxWithInput(tooLong + "\nOnce upon a time\n/quit\n", "chat", "--model", STORIES, "--temperature", "0",
                "--max-tokens", "8");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().matches("(?s).*\\[the conversation takes \\d+ tokens and the context holds 128: shorten the "
                + "message\\]\n> .+"), r.out());
    }

    @Test
    void generateJsonMatchesLlamaCppGreedy() throws Exception {
        JsonNode ref = Shared.json("reference/stories260K-greedy.json").get("cases").get(1);
        Run r = llmx("generate", "--model", STORIES, "--prompt", ref.get("prompt").asText(), "--max-tokens", "48",
                "--temperature", "0", "--top-probs", "5", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertArrayEquals(Shared.ints(ref.get("prompt_token_ids")), Shared.ints(j.get("prompt_tokens")));
        assertArrayEquals(Shared.ints(ref.get("generated_token_ids")), Shared.ints(j.get("tokens")));
        assertEquals(ref.get("generated_text").asText(), j.get("text").asText());
        assertEquals(48, j.get("top").size());
        JsonNode first = j.get("top").get(0);
        assertEquals(5, first.size());
        JsonNode expectedTop = ref.get("top5_first_positions").get(0).get("top5");
        for (int i = 0; i < 5; i++) {
            assertEquals(expectedTop.get(i).get("id").asInt(), first.get(i).get("id").asInt());
            assertEquals(expectedTop.get(i).get("prob").asDouble(), first.get(i).get("p").asDouble(), 2e-3);
        }
        assertTrue(j.get("timing").get("prompt_tps").asDouble() > 0);
        assertTrue(j.get("timing").get("gen_tps").asDouble() > 0);
    }

    @Test
    void sameSeedSameText() throws Exception {
        String[] args = {"generate", "--model", STORIES, "--prompt", "Lily saw a cat", "--max-tokens", "30",
                "--temperature", "0.9", "--top-k", "40", "--top-p", "0.9", "--seed", "1234", "--json"};
        JsonNode a = llmx(args).json();
        JsonNode b = llmx(args).json();
        assertEquals(a.get("tokens"), b.get("tokens"));
        String[] scalar = args.clone();
        scalar = java.util.Arrays.copyOf(scalar, scalar.length + 2);
        scalar[scalar.length - 2] = "--backend";
        scalar[scalar.length - 1] = "scalar";
        assertEquals(a.get("tokens"), llmx(scalar).json().get("tokens"), "the same text on the scalar backend");
        args[args.length - 2] = "99";
        assertTrue(!a.get("tokens").equals(llmx(args).json().get("tokens")), "another seed, another story");
    }

    @Test
    void tokenizeJson() throws Exception {
        Run r = llmx("tokenize", "--model", STORIES, "--text", "Once upon a time", "--json");
        assertEquals(0, r.status(), r.err());
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, Shared.ints(r.json().get("tokens")));
    }

    @Test
    void tokenizeJsonLinesMatchesLlamaCppOnABpeVocabulary() throws Exception {
        JsonNode cases = Shared.json("tokenizers/llama3_1-cases.json").get("cases");
        StringBuilder input = new StringBuilder();
        for (JsonNode c : cases) {
            input.append(JSON.writeValueAsString(c.get("text").asText())).append('\n');
        }
        String model = Shared.path("tokenizers/llama3_1.gguf").toString();
        Run withBos = llmxWithInput(input.toString(), "tokenize", "--model", model, "--jsonl");
        Run raw = llmxWithInput(input.toString(), "tokenize", "--model", model, "--jsonl", "--no-bos", "--no-special");
        assertEquals(0, withBos.status(), withBos.err());
        assertEquals(0, raw.status(), raw.err());
        String[] withBosLines = withBos.out().split("\n");
        String[] rawLines = raw.out().split("\n");
        assertEquals(cases.size(), withBosLines.length);
        assertEquals(cases.size(), rawLines.length);
        for (int i = 0; i < cases.size(); i++) {
            assertArrayEquals(Shared.ints(cases.get(i).get("ids_special_bos")), Shared.ints(JSON.readTree(withBosLines[i])),
                    "line " + (i + 1));
            assertArrayEquals(Shared.ints(cases.get(i).get("ids_raw")), Shared.ints(JSON.readTree(rawLines[i])),
                    "line " + (i + 1) + " without BOS and special parsing");
        }

        Run notJson = llmxWithInput("\"fine\"\nnot json\n", "tokenize", "--model", model, "--jsonl");
        assertEquals(1, notJson.status());
        assertTrue(notJson.err().contains("line 2"), notJson.err());
        Run both = llmx("tokenize", "--model", model, "--jsonl", "--text", "hi");
        assertEquals(2, both.status());
    }

    @Test
    void infoDescribesTheModel() throws Exception {
        Run r = llmx("info", "--model", STORIES, "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals("llama", j.get("architecture").asText());
        assertEquals(64, j.get("hyperparameters").get("embedding_length").asInt());
        assertEquals(512, j.get("tokenizer").get("vocab_size").asInt());
        assertEquals(48, j.get("tensors").size());
        long sum = 0;
        for (JsonNode t : j.get("tensors")) {
            long n = 1;
            for (JsonNode d : t.get("shape")) {
                n *= d.asLong();
            }
            sum += n;
        }
        assertEquals(sum, j.get("parameters").asLong());
        String tree = j.get("module_tree").asText();
        assertTrue(tree.contains("(0-4): 5 x LlamaDecoderLayer("), tree);
        assertTrue(tree.contains("(k_proj): Linear(in_features=64, out_features=32, bias=False)"), tree);
        assertTrue(tree.contains("(down_proj): Linear(in_features=172, out_features=64, bias=False)"), tree);

        Run text = llmx("info", "--model", STORIES);
        assertEquals(0, text.status());
        assertTrue(text.out().contains("blk.4.ffn_down.weight"));
    }

    @Test
    void benchPrintsFigures() throws Exception {
        Run r = llmx("bench", "--model", STORIES, "--prompt-tokens", "16", "--gen-tokens", "8", "--repetitions", "1",
                "--no-bandwidth", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertTrue(j.get("pp_tps").asDouble() > 0);
        assertTrue(j.get("tg_tps").asDouble() > 0);
        assertEquals(16, j.get("prompt_tokens").asInt());
    }

    /** --float-cache-staging reaches the backend, which reports it; the tokens are the same either way. */
    @Test
    void benchStagesTheFloatCacheAsAsked() throws Exception {
        for (String staging : new String[] {"on", "off"}) {
            Run r = llmx("bench", "--model", STORIES, "--prompt-tokens", "16", "--gen-tokens", "4", "--repetitions",
                    "1", "--no-bandwidth", "--float-cache-staging", staging, "--json");
            assertEquals(0, r.status(), r.err());
            assertEquals(staging.equals("on"), r.json().get("float_cache_staged").asBoolean(), staging);
        }
        Run bad = llmx("bench", "--model", STORIES, "--float-cache-staging", "sometimes");
        assertNotEquals(0, bad.status());
        assertTrue(bad.err().contains("--float-cache-staging"), bad.err());
    }

    @Test
    void benchWritesAShapedRandomModel(@TempDir Path dir) throws Exception {
        Path keep = dir.resolve("smol.gguf");
        Run r = llmx("bench", "--shape", "smollm2-135m", "--quant", "Q4_0", "--keep", keep.toString(),
                "--prompt-tokens", "8", "--gen-tokens", "4", "--repetitions", "1", "--no-bandwidth", "--json");
        assertEquals(0, r.status(), r.err());
        Run info = llmx("info", "--model", keep.toString(), "--json");
        JsonNode h = info.json().get("hyperparameters");
        assertEquals(30, h.get("block_count").asInt());
        assertEquals(576, h.get("embedding_length").asInt());
        assertEquals(1536, h.get("feed_forward_length").asInt());
        assertEquals(9, h.get("attention.head_count").asInt());
        assertEquals(3, h.get("attention.head_count_kv").asInt());
        assertEquals(49152, info.json().get("tokenizer").get("vocab_size").asInt());
        long params = org.llmexplorer.engine.bench.ModelShape.named("smollm2-135m").parameters();
        assertEquals(134_515_008L, params, "SmolLM2-135M's parameter count");
        long norms = 61L * 576 * 4; // F32 norm weights
        double expected = (params - 61L * 576) * 18.0 / 32 + norms;
        assertEquals(expected, Files.size(keep), expected * 0.02, "Q4_0 is 18 bytes per 32 weights");
    }

    @Test
    void badInputGivesAClearMessage(@TempDir Path dir) throws Exception {
        Run missing = llmx("info", "--model", dir.resolve("nope.gguf").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.gguf"), missing.err());

        Path text = Files.writeString(dir.resolve("notes.gguf"), "these are not weights");
        Run notGguf = llmx("generate", "--model", text.toString(), "--prompt", "hi");
        assertEquals(1, notGguf.status());
        assertTrue(notGguf.err().contains("not a GGUF file") && notGguf.err().contains("magic"), notGguf.err());

        Run unknown = llmx("generate", "--model", STORIES, "--prompt", "hi", "--temprature", "1");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("Unknown option: '--temprature'"), unknown.err());
        assertTrue(unknown.err().contains("Possible solutions: --temperature"), unknown.err());

        Run badNumber = llmx("generate", "--model", STORIES, "--prompt", "hi", "--top-p", "lots");
        assertEquals(2, badNumber.status());
        assertTrue(badNumber.err().contains("--top-p"), badNumber.err());

        Run badRange = llmx("generate", "--model", STORIES, "--prompt", "hi", "--top-p", "1.5");
        assertEquals(1, badRange.status());
        assertTrue(badRange.err().contains("top-p must be in (0, 1]"), badRange.err());
    }

    @Test
    void maskPrintsTheConnectivityMatrix() throws Exception {
        Run r = llmx("mask", "--type", "prefix", "--n", "8", "--param", "p=4", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertEquals(8, j.get("n").asInt());
        assertEquals("[1,1,1,1,0,0,0,0]", j.get("matrix").get(2).toString());
        assertEquals("[1,1,1,1,1,1,1,0]", j.get("matrix").get(6).toString());
        Run union = llmx("mask", "--type", "strided", "--n", "12", "--param", "l=4", "--json");
        Run row = llmx("mask", "--type", "strided", "--n", "12", "--param", "l=4", "--param", "head=row", "--json");
        Run column = llmx("mask", "--type", "strided", "--n", "12", "--param", "l=4", "--param", "head=column", "--json");
        for (int i = 0; i < 12; i++) {
            for (int k = 0; k < 12; k++) {
                int u = union.json().get("matrix").get(i).get(k).asInt();
                int either = row.json().get("matrix").get(i).get(k).asInt() | column.json().get("matrix").get(i).get(k).asInt();
                assertEquals(either, u, "without head= the union of the two patterns");
            }
        }
        Run bad = llmx("mask", "--type", "sliding", "--n", "8");
        assertEquals(1, bad.status());
        assertTrue(bad.err().contains("sliding needs w=N"), bad.err());
    }

    @Test
    void attentionExportsWeights(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("heat.png");
        Path csv = dir.resolve("weights.csv");
        Run r = llmx("attention", "--model", STORIES, "--prompt", "Once upon a time there was", "--layer", "2",
                "--head", "3", "--mask", "sliding:w=3", "--png", png.toString(), "--csv", csv.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        int n = j.get("tokens").size();
        assertEquals(n, j.get("weights").size());
        assertEquals("sliding:w=3", j.get("mask").asText());
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < n; k++) {
                double w = j.get("weights").get(i).get(k).asDouble();
                assertEquals(j.get("mask_matrix").get(i).get(k).asInt() == 1, w > 0);
                sum += w;
            }
            assertEquals(1.0, sum, 1e-5);
        }
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(img.getWidth(), img.getHeight());
        assertTrue(img.getWidth() >= n);
        java.util.List<String> lines = Files.readAllLines(csv);
        assertEquals(n + 1, lines.size(), "a header and one line per query");
        assertEquals(n + 1, lines.get(1).split(",").length);
    }

    @Test
    void perplexityMatchesLlamaCpp() throws Exception {
        JsonNode ref = Shared.json("reference/stories260K-perplexity.json");
        Run r = llmx("perplexity", "--model", STORIES, "--file",
                Shared.path("reference/" + ref.get("text_file").asText()).toString(), "--ctx", "128", "--json");
        assertEquals(0, r.status(), r.err());
        double expected = ref.get("results").get("stories260K.gguf (F32)").get("ppl").asDouble();
        assertEquals(expected, r.json().get("ppl").asDouble(), expected * 0.01);
        assertEquals(12 * 63, r.json().get("tokens").asInt(), "63 scored tokens in each of 12 chunks");
    }

    @Test
    void generateReportsStagesBeamsAndPromptScores() throws Exception {
        Run r = llmx("generate", "--model", STORIES, "--prompt", "Lily saw a cat", "--max-tokens", "6", "--seed", "5",
                "--temperature", "0.7", "--top-k", "20", "--top-p", "0.9", "--min-p", "0.02", "--typical-p", "0.95",
                "--repeat-penalty", "1.1", "--repeat-last-n", "32", "--presence-penalty", "0.2",
                "--frequency-penalty", "0.1", "--stages", "3", "--score-prompt", "--json");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        JsonNode firstStep = j.get("stages").get(0);
        assertEquals("raw", firstStep.get(0).get("stage").asText());
        assertEquals("temperature", firstStep.get(firstStep.size() - 1).get("stage").asText());
        assertEquals(512, firstStep.get(0).get("survivors").asInt());
        assertTrue(firstStep.get(3).get("survivors").asInt() <= 20, "after top_k");
        assertEquals(3, firstStep.get(0).get("top").size());
        assertEquals(j.get("prompt_tokens").size() - 1, j.get("prompt_probs").size());
        assertEquals(6, j.get("token_probs").size());
        assertTrue(j.get("token_probs").get(0).get("rank").asInt() >= 1);

        Run beams = llmx("generate", "--model", STORIES, "--prompt", "Once upon a time", "--max-tokens", "20",
                "--num-beams", "3", "--num-return-sequences", "2", "--json");
        assertEquals(0, beams.status(), beams.err());
        JsonNode seqs = beams.json().get("sequences");
        assertEquals(2, seqs.size());
        assertTrue(seqs.get(0).get("score").asDouble() >= seqs.get(1).get("score").asDouble());
        Run tooMany = llmx("generate", "--model", STORIES, "--prompt", "Hi", "--num-beams", "2",
                "--num-return-sequences", "3");
        assertEquals(1, tooMany.status());
        assertTrue(tooMany.err().contains("num_return_sequences (3) must be between 1 and num_beams (2)"), tooMany.err());
    }

    @Test
    void aMissingOrUnreadableFileIsNamedWithWhatIsWrong(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        Run missing = llmx("generate", "--model", "/nonexistent.gguf", "--prompt", "hi");
        assertEquals(1, missing.status());
        assertEquals("llmx generate: error: no such file: /nonexistent.gguf", missing.err().strip());
        Run folder = llmx("info", "--model", tmp.toString());
        assertEquals(1, folder.status());
        assertTrue(folder.err().contains(tmp.toString()), folder.err());
    }
}
