package org.llmexplorer.engine.template;

import java.util.List;

/** Statement nodes of a parsed template. */
sealed interface Node {
    record Text(String text) implements Node { }

    /** {@code {{ expr }}}. */
    record Output(Expr expr) implements Node { }

    /** {@code if}/{@code elif} branches in order, then the {@code else} body (possibly empty). */
    record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> otherwise) implements Node { }

    /** {@code for targets in iterable [if filter]}, with the {@code else} body run when nothing was visited. */
    record For(List<String> targets, Expr iterable, Expr filter, List<Node> body, List<Node> otherwise)
            implements Node { }

    /** {@code set a = x}, {@code set a, b = x}, or with an attribute {@code set ns.attr = x}. */
    record Set(List<String> names, String attribute, Expr value) implements Node { }

    /** {@code {% set name %}...{% endset %}}. */
    record SetBlock(String name, List<Node> body) implements Node { }

    /** {@code {% macro name(params) %}}; a default is null where the parameter has none. */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node { }

    /** {@code {% filter name(args) %}...{% endfilter %}}, the body taking the place of the filter's input. */
    record FilterBlock(Expr.Filter filter, List<Node> body) implements Node { }

    record Break() implements Node { }

    record Continue() implements Node { }
}
