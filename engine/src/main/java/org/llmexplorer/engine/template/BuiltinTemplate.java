package org.llmexplorer.engine.template;

import java.util.Locale;
import org.llmexplorer.engine.tokenizer.Vocabulary;

/**
 * Chat templates for files that carry none, one per common family, written after the families' published formats.
 * Each accepts content as a string, as a list of parts (the text parts are joined) or as null.
 */
public enum BuiltinTemplate {
    /** Llama 3: {@code <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>}. */
    LLAMA3("llama3", "{{- bos_token }}{%- for message in messages %}" + Source.CONTENT
            + "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + content | trim + '<|eot_id|>' }}"
            + "{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
            + "{%- endif %}"),
    /** ChatML (Qwen and many others): {@code <|im_start|>role\n...<|im_end|>\n}. */
    CHATML("chatml", "{%- for message in messages %}" + Source.CONTENT
            + "{{- '<|im_start|>' + message['role'] + '\\n' + content + '<|im_end|>\\n' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"),
    /** Gemma: user and model turns, a system message put in front of the first turn. */
    GEMMA("gemma", "{{- bos_token }}" + Source.SYSTEM_FIRST + "{%- for message in loop_messages %}" + Source.CONTENT
            + "{{- '<start_of_turn>' + ('model' if message['role'] == 'assistant' else message['role']) + '\\n'"
            + " + (system + '\\n\\n' if loop.first and system else '') + content | trim + '<end_of_turn>\\n' }}"
            + "{%- endfor %}{%- if add_generation_prompt %}{{- '<start_of_turn>model\\n' }}{%- endif %}"),
    /** Llama 2 and Mistral: {@code <s>[INST] <<SYS>>\n...\n<</SYS>>\n\nuser [/INST] answer </s>}. */
    LLAMA2("llama2", Source.SYSTEM_FIRST + "{%- for message in loop_messages %}" + Source.CONTENT
            + "{%- if message['role'] == 'user' %}{%- if loop.first and system %}"
            + "{%- set content = '<<SYS>>\\n' + system + '\\n<</SYS>>\\n\\n' + content %}{%- endif %}"
            + "{{- bos_token }}{{- '[INST] ' + content | trim + ' [/INST]' }}"
            + "{%- elif message['role'] == 'assistant' %}{{- ' ' + content | trim + ' ' }}{{- eos_token }}{%- endif %}"
            + "{%- endfor %}"),
    /** Phi-3: {@code <|role|>\n...<|end|>\n}. */
    PHI3("phi3", "{%- for message in messages %}" + Source.CONTENT
            + "{{- '<|' + message['role'] + '|>\\n' + content + '<|end|>\\n' }}{%- endfor %}"
            + "{%- if add_generation_prompt %}{{- '<|assistant|>\\n' }}{%- else %}{{- eos_token }}{%- endif %}");

    private final String id;
    private final String source;

    BuiltinTemplate(String id, String source) {
        this.id = id;
        this.source = source;
    }

    /** The short name: llama3, chatml, gemma, llama2, phi3. */
    public String id() {
        return id;
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /**
     * The family of a model without a template: recognised first by the turn tokens its vocabulary holds, then by
     * architecture; ChatML where nothing matches, as llama.cpp does.
     */
    public static BuiltinTemplate choose(String architecture, Vocabulary vocabulary) {
        if (has(vocabulary, "<|start_header_id|>") && has(vocabulary, "<|eot_id|>")) {
            return LLAMA3;
        }
        if (has(vocabulary, "<|im_start|>")) {
            return CHATML;
        }
        if (has(vocabulary, "<start_of_turn>")) {
            return GEMMA;
        }
        if (has(vocabulary, "<|user|>") && has(vocabulary, "<|end|>")) {
            return PHI3;
        }
        if (has(vocabulary, "[INST]")) {
            return LLAMA2;
        }
        String arch = architecture == null ? "" : architecture.toLowerCase(Locale.ROOT);
        if (arch.startsWith("gemma")) {
            return GEMMA;
        }
        if (arch.startsWith("phi3")) {
            return PHI3;
        }
        if (arch.equals("llama") && vocabulary != null && vocabulary.model().equals("llama")) {
            return LLAMA2;
        }
        return CHATML;
    }

    private static boolean has(Vocabulary vocabulary, String text) {
        return vocabulary != null && vocabulary.id(text) != Vocabulary.NONE;
    }

    /** Pieces the templates share. */
    private static final class Source {
        /** Sets {@code content}: the string, the joined text parts of a list, or empty. */
        static final String CONTENT = "{%- if message['content'] is string %}{%- set content = message['content'] %}"
                + "{%- elif message['content'] is iterable %}{%- set content = message['content']"
                + " | selectattr('type', 'equalto', 'text') | map(attribute='text') | join('') %}"
                + "{%- else %}{%- set content = '' %}{%- endif %}";
        /** Sets {@code system} from a leading system message and {@code loop_messages} to the rest. */
        static final String SYSTEM_FIRST = "{%- if messages and messages[0]['role'] == 'system' %}"
                + "{%- set system = messages[0]['content'] %}{%- set loop_messages = messages[1:] %}"
                + "{%- else %}{%- set system = '' %}{%- set loop_messages = messages %}{%- endif %}";
    }
}
