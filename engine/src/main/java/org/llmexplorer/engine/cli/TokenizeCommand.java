package org.llmexplorer.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.tokenizer.Tokenizer;

/** {@code llmx tokenize}: the token ids of a text. */
final class TokenizeCommand implements Command {
    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String usage() {
        return """
                tokenize --model F --text TEXT [--json]   token ids of a text
                  --model F       a GGUF file (only its vocabulary is read)
                  --text TEXT     the text
                  --json          print {"tokens": [...]} instead of one id and piece per line
                BOS is added when the vocabulary asks for it; control-token text such as <s> is recognised.""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "text"), Set.of("json"));
        try (GgufFile file = GgufFile.open(Path.of(args.required("model")))) {
            Tokenizer tokenizer = Tokenizer.from(file);
            int[] ids = tokenizer.encode(args.required("text"), true, true);
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
}
