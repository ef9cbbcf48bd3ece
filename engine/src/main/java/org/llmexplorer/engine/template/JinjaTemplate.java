package org.llmexplorer.engine.template;

import java.util.List;
import java.util.Map;

/**
 * A Jinja template parsed once and rendered any number of times, with the settings Hugging Face renders chat
 * templates with: {@code trim_blocks}, {@code lstrip_blocks}, loop controls, Python value semantics, the
 * {@code tojson} of {@code json.dumps(ensure_ascii=False)}, {@code raise_exception} and {@code strftime_now}.
 */
public final class JinjaTemplate {
    private final List<Node> nodes;

    private JinjaTemplate(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Parses a template; a syntax error is a {@link TemplateException} with its line and column. */
    public static JinjaTemplate parse(String source) {
        return new JinjaTemplate(Parser.parse(source));
    }

    /**
     * Renders with these variables. Values are plain Java: null, Boolean, numbers, String, List, Map (insertion
     * order kept); a missing variable is Jinja's undefined.
     */
    public String render(Map<String, ?> context) {
        try {
            return Renderer.render(nodes, context);
        } catch (StackOverflowError e) {
            throw new TemplateException("the template recursed too deeply");
        }
    }
}
