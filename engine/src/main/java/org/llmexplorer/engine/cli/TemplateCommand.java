package org.llmexplorer.engine.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.template.ChatMessage;
import org.llmexplorer.engine.template.ChatTemplate;
import org.llmexplorer.engine.template.JsonValues;
import org.llmexplorer.engine.template.TemplateException;

/** {@code llmx template}: a conversation rendered with the model's chat template. */
final class TemplateCommand implements Command {
    @Override
    public String name() {
        return "template";
    }

    @Override
    public String usage() {
        return """
                template --model F --messages FILE [--add-generation-prompt] [--json]   render the chat template
                  --model F                 a GGUF file: its tokenizer.chat_template, else the built-in template
                                            of its family (llama3, chatml, gemma, llama2, phi3)
                  --messages FILE           a JSON array of messages ({"role": ..., "content": ...}), or an object
                                            with "messages", optional "tools" and any other template variables
                                            (such as "enable_thinking": false)
                  --add-generation-prompt   end with the opening of the assistant's turn
                  --json                    print {"rendered": ...} or {"error": ...} (with "line" and "column"
                                            for a syntax error); exits 0 whether or not the template rendered
                Without --json the rendered text is printed exactly (no newline added); a template error,
                such as its own raise_exception, is printed to stderr and exits 1.""";
    }

    @Override
    public int run(List<String> argList, PrintStream out) throws Exception {
        Args args = new Args(argList, Set.of("model", "messages"), Set.of("add-generation-prompt", "json"));
        JsonNode input = new ObjectMapper().readTree(Path.of(args.required("messages")).toFile());
        Map<String, Object> extra = new LinkedHashMap<>();
        JsonNode messages = input;
        boolean generationPrompt = args.flag("add-generation-prompt");
        if (input != null && input.isObject()) {
            messages = input.get("messages");
            input.properties().forEach(e -> extra.put(e.getKey(), JsonValues.toJava(e.getValue())));
            extra.remove("messages");
            if (extra.remove("add_generation_prompt") instanceof Boolean b) {
                generationPrompt |= b;
            }
        }
        if (messages == null || !messages.isArray()) {
            throw new IllegalArgumentException(args.required("messages")
                    + ": expected a JSON array of messages or an object with \"messages\"");
        }
        List<ChatMessage> conversation = JsonValues.messages(messages);
        ChatTemplate template = null;
        Map<String, Object> json = new LinkedHashMap<>();
        try {
            try (GgufFile file = GgufFile.open(Path.of(args.required("model")))) {
                template = ChatTemplate.of(file);
            }
            String rendered = template.render(conversation, generationPrompt, extra);
            if (!args.flag("json")) {
                out.print(rendered);
                out.flush();
                return 0;
            }
            json.put("rendered", rendered);
        } catch (TemplateException e) {
            if (!args.flag("json")) {
                throw e;
            }
            json.put("error", e.reason());
            if (e.isSyntaxError()) {
                json.put("line", e.line());
                json.put("column", e.column());
            }
        }
        if (template != null) {
            json.put("template", template.origin());
            json.put("end_of_turn_tokens", template.endOfTurnTokens());
        }
        out.println(Json.write(json));
        return 0;
    }
}
