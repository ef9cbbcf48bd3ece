package org.llmexplorer.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.template.ChatMessage;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.template.JsonValues;
import org.llmexplorer.engine.template.TemplateException;
import picocli.CommandLine.Option;

/** {@code llmx template}: a conversation rendered with the model's chat template. */
@picocli.CommandLine.Command(name = "template", description = "render the chat template",
        customSynopsis = "llmx template --model F --messages FILE [--add-generation-prompt] [--json]",
        footer = {"", "Without --json the rendered text is printed exactly (no newline added); a template error, such "
                + "as its own raise_exception, is printed to stderr and exits 1."})
final class TemplateCommand implements Command {
    @Option(names = "--model", paramLabel = "F", required = true, description = "a GGUF file: its "
            + "tokenizer.chat_template, else the built-in template of its family (llama3, chatml, gemma, llama2, phi3)")
    private Path model;

    @Option(names = "--messages", paramLabel = "FILE", required = true, description = "a JSON array of messages "
            + "({\"role\": ..., \"content\": ...}), or an object with \"messages\", optional \"tools\" and any other "
            + "template variables (such as \"enable_thinking\": false)")
    private Path messagesFile;

    @Option(names = "--add-generation-prompt", description = "end with the opening of the assistant's turn")
    private boolean addGenerationPrompt;

    @Option(names = "--json", description = "print {\"rendered\": ...} or {\"error\": ...} (with \"line\" and "
            + "\"column\" for a syntax error); exits 0 whether or not the template rendered")
    private boolean json;

    @Override
    public int run(InputStream in, PrintStream out) throws Exception {
        JsonNode input = new ObjectMapper().readTree(messagesFile.toFile());
        Map<String, Object> extra = new LinkedHashMap<>();
        JsonNode messages = input;
        boolean generationPrompt = addGenerationPrompt;
        if (input != null && input.isObject()) {
            messages = input.get("messages");
            input.properties().forEach(e -> extra.put(e.getKey(), JsonValues.toJava(e.getValue())));
            extra.remove("messages");
            if (extra.remove("add_generation_prompt") instanceof Boolean b) {
                generationPrompt |= b;
            }
        }
        if (messages == null || !messages.isArray()) {
            throw new IllegalArgumentException(messagesFile
                    + ": expected a JSON array of messages or an object with \"messages\"");
        }
        List<ChatMessage> conversation = JsonValues.messages(messages);
        ChatTemplate template = null;
        Map<String, Object> result = new LinkedHashMap<>();
        try {
            try (GgufFile file = GgufFile.open(model)) {
                template = ChatTemplate.of(file);
            }
            String rendered = template.render(conversation, generationPrompt, extra);
            if (!json) {
                out.print(rendered);
                out.flush();
                return 0;
            }
            result.put("rendered", rendered);
        } catch (TemplateException e) {
            if (!json) {
                throw e;
            }
            result.put("error", e.reason());
            if (e.isSyntaxError()) {
                result.put("line", e.line());
                result.put("column", e.column());
            }
        }
        if (template != null) {
            result.put("template", template.origin());
            result.put("end_of_turn_tokens", template.endOfTurnTokens());
        }
        out.println(Json.write(result));
        return 0;
    }
}
