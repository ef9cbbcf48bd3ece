package org.llmexplorer.engine.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.llmexplorer.engine.template.Token.Kind;

/**
 * Recursive descent over the tokens, following Jinja's grammar and precedence, loosest first:
 * {@code x if c else y}, {@code or}, {@code and}, {@code not}, comparisons and {@code in}, {@code + -}, {@code ~},
 * {@code * / // %}, {@code **}, unary {@code - +}, then filters {@code |f} and tests {@code is t}, which bind to the
 * operand right before them ({@code 'a' + s | trim} trims only {@code s}; {@code not x is defined} is
 * {@code not (x is defined)}), then subscripts, attributes and calls.
 */
final class Parser {
    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private final List<Token> tokens;
    private int pos;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Node> body = p.body(Set.of());
        if (p.peek().kind() != Kind.EOF) {
            throw p.error("Encountered unknown tag '" + p.peek().text() + "'.", p.peek());
        }
        return body;
    }

    // ---- statements ------------------------------------------------------------------------------------------

    /** Nodes up to the end of the template or a block tag named in {@code ends}, which is left as the next token. */
    private List<Node> body(Set<String> ends) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = next();
            switch (t.kind()) {
                case TEXT -> nodes.add(new Node.Text(t.text()));
                case VAR_BEGIN -> {
                    nodes.add(new Node.Output(tuple(true)));
                    expect(Kind.VAR_END);
                }
                case BLOCK_BEGIN -> {
                    Token name = peek();
                    if (name.kind() == Kind.NAME && ends.contains(name.text())) {
                        return nodes;
                    }
                    statement(nodes);
                }
                case EOF -> {
                    if (!ends.isEmpty()) {
                        throw error("Unexpected end of template. Jinja was looking for the following tags: "
                                + String.join(" or ", ends.stream().map(e -> "'" + e + "'").sorted().toList()) + ".", t);
                    }
                    pos--;
                    return nodes;
                }
                default -> throw error("unexpected " + t.describe(), t);
            }
        }
    }

    private void statement(List<Node> nodes) {
        Token t = expect(Kind.NAME);
        switch (t.text()) {
            case "if" -> nodes.add(ifStatement());
            case "for" -> nodes.add(forStatement());
            case "set" -> nodes.add(setStatement());
            case "macro" -> nodes.add(macro());
            case "filter" -> {
                Expr.Filter filter = filter(new Expr.Literal(null));
                expect(Kind.BLOCK_END);
                nodes.add(new Node.FilterBlock(filter, closeBlock("endfilter")));
            }
            case "break", "continue" -> {
                expect(Kind.BLOCK_END);
                nodes.add(t.text().equals("break") ? new Node.Break() : new Node.Continue());
            }
            case "generation" -> { // Hugging Face's marker of assistant text: renders its body unchanged
                expect(Kind.BLOCK_END);
                nodes.addAll(closeBlock("endgeneration"));
            }
            default -> throw error("Encountered unknown tag '" + t.text() + "'.", t);
        }
    }

    /** The body up to {@code {% end %}}, consumed. */
    private List<Node> closeBlock(String end) {
        List<Node> body = body(Set.of(end));
        next();
        expect(Kind.BLOCK_END);
        return body;
    }

    private Node ifStatement() {
        List<Expr> conditions = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> otherwise = List.of();
        conditions.add(tuple(false));
        expect(Kind.BLOCK_END);
        while (true) {
            bodies.add(body(Set.of("elif", "else", "endif")));
            String tag = next().text();
            if (tag.equals("elif")) {
                conditions.add(tuple(false));
                expect(Kind.BLOCK_END);
            } else if (tag.equals("else")) {
                expect(Kind.BLOCK_END);
                otherwise = closeBlock("endif");
                break;
            } else {
                expect(Kind.BLOCK_END);
                break;
            }
        }
        return new Node.If(conditions, bodies, otherwise);
    }

    private Node forStatement() {
        List<String> targets = names();
        Token in = next();
        if (!in.isName("in")) {
            throw error("expected 'in', got " + in.describe(), in);
        }
        Expr iterable = tuple(false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression(true);
        }
        if (peek().isName("recursive")) {
            throw error("recursive loops are not supported", peek());
        }
        expect(Kind.BLOCK_END);
        List<Node> body = body(Set.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (next().text().equals("else")) {
            expect(Kind.BLOCK_END);
            otherwise = body(Set.of("endfor"));
            next();
        }
        expect(Kind.BLOCK_END);
        return new Node.For(targets, iterable, filter, body, otherwise);
    }

    /** One name or a comma-separated list of names (assignment and loop targets). */
    private List<String> names() {
        List<String> names = new ArrayList<>();
        boolean parens = peek().isOp("(");
        if (parens) {
            next();
        }
        names.add(expect(Kind.NAME).text());
        while (peek().isOp(",")) {
            next();
            names.add(expect(Kind.NAME).text());
        }
        if (parens) {
            expectOp(")");
        }
        return names;
    }

    private Node setStatement() {
        Token first = peek();
        List<String> names = names();
        String attribute = null;
        if (names.size() == 1 && peek().isOp(".")) {
            next();
            attribute = expect(Kind.NAME).text();
        }
        if (peek().kind() == Kind.BLOCK_END) {
            if (names.size() != 1 || attribute != null) {
                throw error("a block set assigns to one name", first);
            }
            next();
            return new Node.SetBlock(names.getFirst(), closeBlock("endset"));
        }
        expectOp("=");
        Expr value = tuple(true);
        expect(Kind.BLOCK_END);
        return new Node.Set(names, attribute, value);
    }

    private Node macro() {
        String name = expect(Kind.NAME).text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
            }
            params.add(expect(Kind.NAME).text());
            Expr fallback = null;
            if (peek().isOp("=")) {
                next();
                fallback = expression(true);
            }
            defaults.add(fallback);
        }
        next();
        expect(Kind.BLOCK_END);
        return new Node.Macro(name, params, defaults, closeBlock("endmacro"));
    }

    // ---- expressions -----------------------------------------------------------------------------------------

    /** An expression, or several separated by commas as a tuple (written as a list). */
    private Expr tuple(boolean conditional) {
        Expr first = expression(conditional);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().isOp(",")) {
            next();
            if (peek().kind() == Kind.VAR_END || peek().kind() == Kind.BLOCK_END || peek().isOp(")")) {
                break;
            }
            items.add(expression(conditional));
        }
        return new Expr.ListLiteral(items, true);
    }

    private Expr expression(boolean conditional) {
        Expr e = or();
        while (conditional && peek().isName("if")) {
            next();
            Expr test = or();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = expression(true);
            }
            e = new Expr.Conditional(test, e, otherwise);
        }
        return e;
    }

    private Expr or() {
        return leftAssociative(this::and, "or");
    }

    private Expr and() {
        return leftAssociative(this::not, "and");
    }

    private Expr not() {
        if (peek().isName("not")) {
            next();
            return new Expr.Unary("not", not());
        }
        return compare();
    }

    private Expr compare() {
        Expr first = sum();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARISONS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                pos += 2;
                ops.add("notin");
            } else {
                break;
            }
            operands.add(sum());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands);
    }

    private Expr sum() {
        return leftAssociative(this::concat, "+", "-");
    }

    private Expr concat() {
        return leftAssociative(this::product, "~");
    }

    private Expr product() {
        return leftAssociative(this::power, "*", "/", "//", "%");
    }

    /** Jinja groups {@code **} from the left too: {@code 2 ** 3 ** 2} is 64. */
    private Expr power() {
        return leftAssociative(() -> unary(true), "**");
    }

    /** One precedence level: operands from the next tighter level joined by these operators, grouped from the left. */
    private Expr leftAssociative(Supplier<Expr> operand, String... operators) {
        Expr e = operand.get();
        while ((peek().kind() == Kind.OP || peek().kind() == Kind.NAME) && List.of(operators).contains(peek().text())) {
            e = new Expr.Binary(next().text(), e, operand.get());
        }
        return e;
    }

    private Expr unary(boolean withFilters) {
        Expr e;
        if (peek().isOp("-") || peek().isOp("+")) {
            e = new Expr.Unary(next().text(), unary(false));
        } else {
            e = postfix(primary());
        }
        return withFilters ? filtersAndTests(e) : e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Literal(true);
                    case "false", "False" -> new Expr.Literal(false);
                    case "none", "None" -> new Expr.Literal(null);
                    default -> new Expr.Name(t.text());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (peek().kind() == Kind.STRING) {
                    sb.append((String) next().value());
                }
                return new Expr.Literal(sb.toString());
            }
            case INT, FLOAT -> {
                return new Expr.Literal(t.value());
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new Expr.ListLiteral(List.of(), true);
                        }
                        Expr e = tuple(true);
                        expectOp(")");
                        return e;
                    }
                    case "[" -> {
                        return new Expr.ListLiteral(items("]"), false);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        next();
                        return new Expr.DictLiteral(keys, values);
                    }
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        throw error("unexpected " + t.describe(), t);
    }

    /** Comma-separated expressions up to the closing bracket (consumed); a trailing comma is allowed. */
    private List<Expr> items(String close) {
        List<Expr> items = new ArrayList<>();
        while (!peek().isOp(close)) {
            if (!items.isEmpty()) {
                expectOp(",");
                if (peek().isOp(close)) {
                    break;
                }
            }
            items.add(expression(true));
        }
        next();
        return items;
    }

    private Expr postfix(Expr e) {
        while (true) {
            if (peek().isOp(".")) {
                next();
                Token t = next();
                if (t.kind() == Kind.NAME) {
                    e = new Expr.Attribute(e, t.text());
                } else if (t.kind() == Kind.INT) {
                    e = new Expr.Item(e, new Expr.Literal(t.value()));
                } else {
                    throw error("expected name or number after '.'", t);
                }
            } else if (peek().isOp("[")) {
                next();
                e = subscript(e);
            } else if (peek().isOp("(")) {
                next();
                e = call(e);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr target) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOp("]")) {
            if (peek().isOp(":")) {
                next();
                slice = true;
                if (++part > 2) {
                    throw error("invalid slice", peek());
                }
            } else {
                parts[part] = expression(true);
            }
        }
        next();
        if (!slice) {
            if (parts[0] == null) {
                throw error("expected a subscript", peek());
            }
            return new Expr.Item(target, parts[0]);
        }
        return new Expr.Slice(target, parts[0], parts[1], parts[2]);
    }

    private Expr.Call call(Expr target) {
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        arguments(args, kwargs);
        return new Expr.Call(target, args, kwargs);
    }

    /** Call arguments after the opening parenthesis, up to and including the closing one. */
    private void arguments(List<Expr> args, Map<String, Expr> kwargs) {
        while (!peek().isOp(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            if (peek().kind() == Kind.NAME && peek(1).isOp("=")) {
                String name = next().text();
                next();
                kwargs.put(name, expression(true));
            } else {
                if (!kwargs.isEmpty()) {
                    throw error("invalid syntax for function call expression", peek());
                }
                args.add(expression(true));
            }
        }
        next();
    }

    private Expr filtersAndTests(Expr e) {
        while (true) {
            if (peek().isOp("|")) {
                next();
                e = filter(e);
            } else if (peek().isName("is")) {
                next();
                e = test(e);
            } else if (peek().isOp("(")) {
                next();
                e = call(e);
            } else {
                return e;
            }
        }
    }

    private Expr.Filter filter(Expr target) {
        String name = dottedName();
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        if (peek().isOp("(")) {
            next();
            arguments(args, kwargs);
        }
        return new Expr.Filter(target, name, args, kwargs);
    }

    private Expr test(Expr target) {
        boolean negated = false;
        if (peek().isName("not")) {
            next();
            negated = true;
        }
        String name = dottedName();
        List<Expr> args = new ArrayList<>();
        Token t = peek();
        if (t.isOp("(")) {
            next();
            Map<String, Expr> kwargs = new LinkedHashMap<>();
            arguments(args, kwargs);
            args.addAll(kwargs.values());
        } else if ((t.kind() == Kind.NAME && !Set.of("else", "or", "and", "if").contains(t.text()))
                || t.kind() == Kind.STRING || t.kind() == Kind.INT || t.kind() == Kind.FLOAT
                || t.isOp("[") || t.isOp("{")) {
            args.add(postfix(primary()));
        }
        return new Expr.Test(target, name, args, negated);
    }

    private String dottedName() {
        StringBuilder name = new StringBuilder(expect(Kind.NAME).text());
        while (peek().isOp(".") && peek(1).kind() == Kind.NAME) {
            next();
            name.append('.').append(next().text());
        }
        return name.toString();
    }

    // ---- tokens ----------------------------------------------------------------------------------------------

    private Token peek() {
        return peek(0);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = peek();
        pos++;
        return t;
    }

    private Token expect(Kind kind) {
        Token t = next();
        if (t.kind() != kind) {
            throw error("expected " + switch (kind) {
                case NAME -> "a name";
                case VAR_END -> "end of print statement '}}'";
                case BLOCK_END -> "end of statement block '%}'";
                default -> kind.name().toLowerCase();
            } + ", got " + t.describe(), t);
        }
        return t;
    }

    private void expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) {
            throw error("expected '" + op + "', got " + t.describe(), t);
        }
    }

    private TemplateException error(String message, Token at) {
        return new TemplateException(message, at.line(), at.column());
    }
}
