package org.llmexplorer.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** {@code llmx tokenize}: the token ids of a text, or of one text a line of standard input. */
@picocli.CommandLine.Command(name = "tokenize", description = "token ids of a text, or of one text a line",
        customSynopsis = "llmx tokenize --model F (--text TEXT | --jsonl) [options]",
        footer = {"", "As llama-tokenize: BOS is added when the vocabulary asks for it; control-token text is "
                + "recognised."})
final class TokenizeCommand implements Command {
    @Option(names = "--model", paramLabel = "F", required = true,
            description = "a GGUF file (only its vocabulary is read)")
    private Path model;

    @Option(names = "--text", paramLabel = "TEXT", description = "the text")
    private String text;

    @Option(names = "--json", description = "print {\"tokens\": [...]} instead of one id and piece per line")
    private boolean json;

    @Option(names = "--jsonl", description = "read one JSON string per line from standard input and print, per line, the JSON "
            + "array of its token ids")
    private boolean jsonl;

    @Option(names = "--no-bos", description = "add no BOS (nor EOS) even where the vocabulary asks for them")
    private boolean noBos;

    @Option(names = "--no-special", description = "treat control-token text such as <s> as plain text")
    private boolean noSpecial;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        boolean addSpecial = !noBos;
        boolean parseSpecial = !noSpecial;
        if (jsonl && (text != null || json)) {
            throw new UsageException("--jsonl reads its texts from standard input and prints JSON lines: "
                    + "leave out --text and --json");
        }
        if (!jsonl && text == null) {
            throw new UsageException("option --text is required");
        }
        try (GgufFile file = GgufFile.open(model)) {
            Tokenizer tokenizer = Tokenizer.from(file);
            if (jsonl) {
                jsonLines(tokenizer, in, out, addSpecial, parseSpecial);
                return 0;
            }
            int[] ids = tokenizer.encode(text, addSpecial, parseSpecial);
            if (json) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("tokens", ids);
                out.println(Json.write(result));
            } else {
                for (int id : ids) {
                    out.printf("%6d  %s%n", id, Json.write(tokenizer.vocabulary().text(id)));
                }
            }
        }
        return 0;
    }

    /** One JSON array of ids for each line of the input, which must be a JSON string. */
    private static void jsonLines(Tokenizer tokenizer, InputStream in, PrintStream out, boolean addSpecial,
                                  boolean parseSpecial) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        int lineNumber = 0;
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lineNumber++;
            JsonNode json;
            try {
                json = Json.read(line);
            } catch (JsonProcessingException e) {
                json = null;
            }
            if (json == null || !json.isTextual()) {
                throw new IOException("line " + lineNumber + " of the input is not a JSON string");
            }
            out.println(Json.write(tokenizer.encode(json.asText(), addSpecial, parseSpecial)));
        }
    }
}
