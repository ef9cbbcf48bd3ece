package org.llmexplorer.engine.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.llmexplorer.engine.sampling.TokenProbability;

/**
 * llama.cpp as a test oracle: {@code scripts/llama-oracle/oracle.mjs} (node-llama-cpp's prebuilt
 * CPU llama.cpp) run as a child process, asked for its tokens of a prompt, its greedy
 * continuation and its distribution at every position. Dev and test only: llama.cpp is not part
 * of the product. Without node or the installed package the oracle is absent, which fails the
 * tests that need it where {@code LLMX_REQUIRE_LLAMA=1} (CI installs it), and skips them
 * elsewhere.
 */
public final class LlamaOracle implements AutoCloseable {
    static final Path SCRIPT = Path.of("scripts", "llama-oracle", "oracle.mjs");
    static final Path PACKAGE = Path.of("scripts", "llama-oracle", "node_modules", "node-llama-cpp");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What llama.cpp made of a prompt: its tokens, its greedy tokens, and at each position the top of its distribution. */
    public record Answer(int[] promptIds, int[] greedy, List<TokenProbability[]> steps) {
        /** The whole sequence: prompt, then greedy tokens. */
        public int[] sequence() {
            int[] all = java.util.Arrays.copyOf(promptIds, promptIds.length + greedy.length);
            System.arraycopy(greedy, 0, all, promptIds.length, greedy.length);
            return all;
        }
    }

    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    private LlamaOracle(Process p) {
        this.process = p;
        this.in = new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Why there is no oracle here, or null when there is one. */
    public static String missing() {
        if (!Files.isDirectory(PACKAGE)) {
            return "node-llama-cpp is not installed (run: cd scripts/llama-oracle && npm ci)";
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return "node does not run";
            }
        } catch (IOException | InterruptedException e) {
            return "node is not on the PATH";
        }
        return null;
    }

    public static LlamaOracle start() throws IOException {
        Process p = new ProcessBuilder("node", SCRIPT.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new LlamaOracle(p);
    }

    /** llama.cpp's tokens of the prompt (BOS as the model asks), its greedy continuation of n tokens and the top of every distribution. */
    public Answer ask(Path model, String prompt, int n, int top) throws IOException {
        return ask(model, prompt, n, top, "F32");
    }

    /** As {@link #ask(Path, String, int, int)} with llama.cpp's KV cache in another type (F16 is llama.cpp's default). */
    public synchronized Answer ask(Path model, String prompt, int n, int top, String kvType) throws IOException {
        ObjectNode req = JSON.createObjectNode();
        req.put("kv", kvType);
        req.put("model", model.toAbsolutePath().toString());
        req.put("prompt", prompt);
        req.put("n", n);
        req.put("top", top);
        req.put("all_positions", true);
        in.write(JSON.writeValueAsString(req) + "\n");
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("llama.cpp's oracle ended (exit " + (process.isAlive() ? "?" : process.exitValue()) + ")");
        }
        JsonNode a = JSON.readTree(line);
        if (a.has("error")) {
            throw new IOException("llama.cpp: " + a.get("error").asText() + " (" + model.getFileName() + ")");
        }
        List<TokenProbability[]> steps = new ArrayList<>();
        for (JsonNode s : a.get("steps")) {
            TokenProbability[] t = new TokenProbability[s.get("top").size()];
            for (int i = 0; i < t.length; i++) {
                JsonNode e = s.get("top").get(i);
                t[i] = new TokenProbability(e.get(0).asInt(), e.get(1).asDouble());
            }
            steps.add(t);
        }
        return new Answer(ints(a.get("prompt_ids")), ints(a.get("greedy")), steps);
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
