package org.llmexplorer.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.model.DefaultModel;

/** {@code llmx train} end to end: JSON summary, log, checkpoint and resume, the model it writes. */
class TrainCommandTest {

    private static Path text(Path dir, String name, int lines) throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] s = {"In the beginning was the word.", "And the word was light.", "The light shone in darkness."};
        for (int i = 0; i < lines; i++) {
            sb.append(s[i % 3]).append(i % 5 == 0 ? " Amen." : "").append('\n');
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    @Test
    void trainsLogsResumesAndTheModelGenerates(@TempDir Path dir) throws Exception {
        Path a = text(dir, "a.txt", 200);
        Path b = text(dir, "b.txt", 100);
        Path model = dir.resolve("m.gguf");
        Path log = dir.resolve("log.jsonl");
        String[] common = {"--out", model.toString(), "--layers", "1", "--dim", "32", "--heads", "4", "--kv-heads", "2",
                "--vocab", "300", "--seq", "16", "--batch", "4", "--eval-every", "5", "--checkpoint",
                dir.resolve("ckpt").toString(), "--threads", "2", "--json"};
        List<String> first = new java.util.ArrayList<>(List.of("train", "--text", a.toString(), b.toString(),
                "--steps", "10", "--log", log.toString()));
        first.addAll(List.of(common));
        LlmxCliTest.Run r = LlmxCliTest.llmx(first.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        for (String key : List.of("first_loss", "final_loss", "val_loss", "tokens_per_s")) {
            assertTrue(j.get(key).asDouble() > 0, key + " in " + j);
        }
        assertTrue(j.get("final_loss").asDouble() < j.get("first_loss").asDouble());
        assertEquals(10, j.get("steps").asInt());
        assertEquals(12, Files.readAllLines(log).size(), "10 steps and 2 validations");

        List<String> more = new java.util.ArrayList<>(List.of("train", "--text", a.toString(), b.toString(),
                "--resume", "--steps", "14"));
        more.addAll(List.of(common));
        r = LlmxCliTest.llmx(more.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertEquals(14, r.json().get("steps").asInt());

        r = LlmxCliTest.llmx("generate", "--model", model.toString(), "--prompt", "In the", "--max-tokens", "5",
                "--temperature", "0", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(5, r.json().get("tokens").size());

        // Without --model, generate takes the default model.
        System.setProperty(DefaultModel.PATH_PROPERTY, model.toString());
        try {
            LlmxCliTest.Run d = LlmxCliTest.llmx("generate", "--prompt", "In the", "--max-tokens", "5",
                    "--temperature", "0", "--json");
            assertEquals(0, d.status(), d.err());
            assertEquals(r.json().get("tokens"), d.json().get("tokens"));
        } finally {
            System.clearProperty(DefaultModel.PATH_PROPERTY);
        }
    }

    @Test
    void refusesALookAheadMaskAndAMissingCheckpoint(@TempDir Path dir) throws Exception {
        Path a = text(dir, "a.txt", 50);
        LlmxCliTest.Run r = LlmxCliTest.llmx("train", "--text", a.toString(), "--out", dir.resolve("m.gguf").toString(),
                "--mask", "global", "--steps", "1");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("later tokens"), r.err());
        r = LlmxCliTest.llmx("train", "--text", a.toString(), "--out", dir.resolve("m.gguf").toString(), "--resume");
        assertEquals(2, r.status());
    }
}
