package org.llmexplorer.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.llmexplorer.engine.cli.LlmxCliTest.llmx;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The command line itself: help, completion, and what a mistyped or wrongly typed option gets. */
class CommandLineTest {
    private static final List<String> ENGINE_COMMANDS = List.of("info", "tokenize", "generate", "bench", "kernels",
            "devices", "mask", "attention", "perplexity", "sampler-bench", "template", "chat", "train", "completion",
            "help");

    /** Whether the help's command list has a line for this command. */
    private static boolean lists(String help, String command) {
        return Pattern.compile("(?m)^  " + Pattern.quote(command) + " ").matcher(help).find();
    }

    @Test
    void helpListsEveryCommandAndTheLauncherOnesApp() {
        LlmxCliTest.Run r = llmx("--help");
        assertEquals(0, r.status(), r.err());
        for (String c : ENGINE_COMMANDS) {
            assertTrue(lists(r.out(), c), c + " in\n" + r.out());
        }
        assertFalse(lists(r.out(), "serve"), "serve comes with the server module, which engine tests lack");
        assertTrue(r.out().contains("app [--model F]"), r.out());
        assertEquals(r.out(), llmx("help").out(), "llmx help is llmx --help");

        LlmxCliTest.Run bare = llmx();
        assertEquals(2, bare.status(), "no command is bad usage");
        assertEquals(r.out(), bare.out());
    }

    @Test
    void aCommandsHelpShowsItsOptionsAndDefaults() {
        LlmxCliTest.Run r = llmx("generate", "--help");
        assertEquals(0, r.status(), "--help needs no --prompt: " + r.err());
        assertTrue(r.out().startsWith("Usage: llmx generate [--model F] --prompt TEXT [options]"), r.out());
        for (String shown : List.of("--max-tokens=N", "tokens to generate (default 128)", "--temperature=T",
                "0 for greedy (default 0.8)", "--backend=B", "--device=D", "--seed=S", "--no-early-stopping")) {
            assertTrue(r.out().contains(shown), shown + " in\n" + r.out());
        }
        assertEquals(r.out(), llmx("help", "generate").out());
        LlmxCliTest.Run mask = llmx("mask", "--help");
        assertTrue(mask.out().contains("sliding") && mask.out().contains("w, causal"), "mask types and their "
                + "parameters:\n" + mask.out());
    }

    @Test
    void aMistypedOptionOrCommandGetsASuggestion() {
        LlmxCliTest.Run option = llmx("generate", "--max-tokns", "3", "--prompt", "hi");
        assertEquals(2, option.status());
        assertTrue(option.err().startsWith("llmx generate: Unknown option: '--max-tokns'"), option.err());
        assertTrue(Pattern.compile("(?m)^Possible solutions: .*--max-tokens").matcher(option.err()).find(),
                option.err());
        assertEquals("", option.out());
        LlmxCliTest.Run withoutPrompt = llmx("generate", "--max-tokns", "3");
        assertEquals(option.err(), withoutPrompt.err(), "the unknown option, not the missing --prompt");

        LlmxCliTest.Run command = llmx("genrate", "--prompt", "hi");
        assertEquals(2, command.status());
        assertTrue(command.err().startsWith("llmx: Unknown command: 'genrate'"), command.err());
        assertTrue(command.err().contains("Did you mean: llmx generate or "), command.err());
    }

    @Test
    void aValueOfTheWrongTypeNamesTheOption() {
        LlmxCliTest.Run r = llmx("generate", "--prompt", "hi", "--max-tokens", "abc");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("llmx generate: Invalid value for option '--max-tokens': 'abc' is not an int"),
                r.err());
        assertTrue(r.err().contains("Usage: llmx generate"), "the usage follows:\n" + r.err());
    }

    @Test
    void checksOfTheCommandsAreUsageErrorsToo() {
        LlmxCliTest.Run device = llmx("kernels", "--device", "0");
        assertEquals(2, device.status());
        assertTrue(device.err().startsWith("llmx kernels: --device picks an OpenCL device"), device.err());
        LlmxCliTest.Run n = llmx("mask", "--type", "causal", "--n", "0");
        assertEquals(2, n.status());
        assertTrue(n.err().startsWith("llmx mask: --n must be in 1..8192"), n.err());
        LlmxCliTest.Run missing = llmx("tokenize", "--text", "hi");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("Missing required option: '--model=F'"), missing.err());
    }

    @Test
    void optionsTakeNameEqualsValueAndTheLastOfARepeatedOneCounts() throws Exception {
        LlmxCliTest.Run r = llmx("mask", "--type=prefix", "--n", "4", "--n=8", "--param=p=4", "--json");
        assertEquals(0, r.status(), r.err());
        assertEquals(8, r.json().get("n").asInt());
        assertEquals("[1,1,1,1,0,0,0,0]", r.json().get("matrix").get(2).toString());
    }

    @Test
    void completionScriptKnowsTheCommandsAndOptions() {
        LlmxCliTest.Run r = llmx("completion");
        assertEquals(0, r.status(), r.err());
        String script = r.out();
        assertTrue(script.contains("complete -F _complete_llmx"), "registers with bash:\n" + script);
        for (String word : List.of("generate", "tokenize", "train", "--max-tokens", "--top-k", "--no-early-stopping",
                "--jsonl", "smollm2-135m", "sliding")) {
            assertTrue(script.contains(word), word);
        }
    }
}
