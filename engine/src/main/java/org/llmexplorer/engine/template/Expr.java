package org.llmexplorer.engine.template;

import java.util.List;
import java.util.Map;

/** Expression nodes of a parsed template. */
sealed interface Expr {
    /** A constant: string, number, true/false, none. */
    record Literal(Object value) implements Expr { }

    record Name(String name) implements Expr { }

    /** {@code [a, b]}, or {@code (a, b)} and {@code a, b} as a tuple. */
    record ListLiteral(List<Expr> items, boolean tuple) implements Expr { }

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr { }

    /** {@code target.name}. */
    record Attribute(Expr target, String name) implements Expr { }

    /** {@code target[key]}. */
    record Item(Expr target, Expr key) implements Expr { }

    /** {@code target[start:stop:step]}, absent parts null. */
    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr { }

    record Call(Expr target, List<Expr> args, Map<String, Expr> kwargs) implements Expr { }

    /** {@code target | name(args)}. */
    record Filter(Expr target, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr { }

    /** {@code target is [not] name(args)}. */
    record Test(Expr target, String name, List<Expr> args, boolean negated) implements Expr { }

    /** {@code not x}, {@code -x}, {@code +x}. */
    record Unary(String op, Expr operand) implements Expr { }

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right) implements Expr { }

    /** A chain of comparisons {@code a < b <= c}, operators {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> operands) implements Expr { }

    /** {@code then if test else otherwise}; without {@code else}, otherwise is null (undefined). */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr { }
}
