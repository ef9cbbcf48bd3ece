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
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/** {@code llmx tokenize}: the token ids of a text, or of one text a line of standard input. */
final class TokenizeCommand implements Command {
    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String usage() {
        return """
                tokenize --model F (--text TEXT | --jsonl) [options]   token ids of a text, or of one text a line
                  --model F       a GGUF file (only its vocabulary is read)
                  --text TEXT     the text
                  --json          print {"tokens": [...]} instead of one id and piece per line
                  --jsonl         read one JSON string per line from standard input and print, per line, the JSON
                                  array of its token ids
                  --no-bos        add no BOS (nor EOS) even where the vocabulary asks for them
                  --no-special    treat control-token text such as <s> as plain text
                As llama-tokenize: BOS is added when the vocabulary asks for it; control-token text is recognised.""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        return run(argList, System.in, out);
    }

    @Override
    public int run(List<String> argList, InputStream in, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "text"), Set.of("json", "jsonl", "no-bos", "no-special"));
        boolean addSpecial = !args.flag("no-bos");
        boolean parseSpecial = !args.flag("no-special");
        if (args.flag("jsonl") && (args.has("text") || args.flag("json"))) {
            throw new UsageException("--jsonl reads its texts from standard input and prints JSON lines: "
                    + "leave out --text and --json");
        }
        String text = args.flag("jsonl") ? null : args.required("text");
        try (GgufFile file = GgufFile.open(Path.of(args.required("model")))) {
            Tokenizer tokenizer = Tokenizer.from(file);
            if (text == null) {
                jsonLines(tokenizer, in, out, addSpecial, parseSpecial);
                return 0;
            }
            int[] ids = tokenizer.encode(text, addSpecial, parseSpecial);
            if (args.flag("json")) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("tokens", ids);
                out.println(Json.write(json));
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
