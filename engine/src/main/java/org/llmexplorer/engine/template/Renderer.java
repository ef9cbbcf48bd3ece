package org.llmexplorer.engine.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks a parsed template and writes its output. Scoping follows Jinja: a {@code for} body gets a fresh scope for
 * every iteration, so a {@code set} inside a loop is gone after the iteration (which is what {@code namespace}
 * is for); {@code if} opens no scope; a macro runs in a scope of its own on top of the one it was defined in.
 */
final class Renderer {
    private static final Map<String, Object> GLOBALS = Globals.all();

    /** Signals {@code break} and {@code continue} to the enclosing loop. */
    private static final class LoopControl extends RuntimeException {
        LoopControl(String which) {
            super("'" + which + "' outside of a loop", null, false, false);
        }
    }

    private static final LoopControl BREAK = new LoopControl("break");
    private static final LoopControl CONTINUE = new LoopControl("continue");

    private static final class Scope {
        final Map<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                if (s.vars.containsKey(name)) {
                    return s.vars.get(name);
                }
            }
            return Undefined.variable(name);
        }
    }

    private Renderer() {
    }

    static String render(List<Node> nodes, Map<String, ?> context) {
        Scope globals = new Scope(null);
        globals.vars.putAll(GLOBALS);
        Scope root = new Scope(globals);
        context.forEach((k, v) -> root.vars.put(k, Values.of(v)));
        StringBuilder out = new StringBuilder();
        try {
            new Renderer().render(nodes, root, out);
        } catch (LoopControl c) {
            throw new TemplateException(c.getMessage());
        }
        return out.toString();
    }

    private void render(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node node : nodes) {
            switch (node) {
                case Node.Text t -> out.append(t.text());
                case Node.Output o -> out.append(Values.str(eval(o.expr(), scope)));
                case Node.If f -> render(branch(f, scope), scope, out);
                case Node.For f -> loop(f, scope, out);
                case Node.Set s -> assign(s, eval(s.value(), scope), scope);
                case Node.SetBlock b -> {
                    StringBuilder captured = new StringBuilder();
                    render(b.body(), scope, captured);
                    scope.vars.put(b.name(), captured.toString());
                }
                case Node.Macro m -> scope.vars.put(m.name(), macro(m, scope));
                case Node.FilterBlock b -> {
                    StringBuilder captured = new StringBuilder();
                    render(b.body(), scope, captured);
                    Expr.Filter f = b.filter();
                    out.append(Values.str(Filters.apply(f.name(), captured.toString(), evalAll(f.args(), scope),
                            evalKeywords(f.kwargs(), scope))));
                }
                case Node.Break b -> throw BREAK;
                case Node.Continue c -> throw CONTINUE;
            }
        }
    }

    private List<Node> branch(Node.If f, Scope scope) {
        for (int i = 0; i < f.conditions().size(); i++) {
            if (Values.truthy(eval(f.conditions().get(i), scope))) {
                return f.bodies().get(i);
            }
        }
        return f.otherwise();
    }

    private void loop(Node.For f, Scope scope, StringBuilder out) {
        List<Object> items = Values.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                bind(f.targets(), item, s);
                if (Values.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            render(f.otherwise(), scope, out);
            return;
        }
        LoopInfo loop = new LoopInfo(items);
        for (int i = 0; i < items.size(); i++) {
            loop.index0 = i;
            Scope s = new Scope(scope);
            bind(f.targets(), items.get(i), s);
            s.vars.put("loop", loop);
            try {
                render(f.body(), s, out);
            } catch (LoopControl c) {
                if (c == BREAK) {
                    break;
                }
            }
        }
    }

    private void assign(Node.Set set, Object value, Scope scope) {
        if (set.attribute() == null) {
            bind(set.names(), value, scope);
            return;
        }
        String name = set.names().getFirst();
        if (!(scope.lookup(name) instanceof Namespace ns)) {
            throw new TemplateException("cannot assign attribute on non-namespace object");
        }
        ns.attributes.put(set.attribute(), value);
    }

    /** Assigns one name, or unpacks a sequence into several. */
    private static void bind(List<String> names, Object value, Scope scope) {
        if (names.size() == 1) {
            scope.vars.put(names.getFirst(), value);
            return;
        }
        List<Object> parts = Values.iterate(value);
        if (parts.size() != names.size()) {
            throw new TemplateException(parts.size() < names.size()
                    ? "not enough values to unpack (expected " + names.size() + ", got " + parts.size() + ")"
                    : "too many values to unpack (expected " + names.size() + ")");
        }
        for (int i = 0; i < names.size(); i++) {
            scope.vars.put(names.get(i), parts.get(i));
        }
    }

    private JinjaFunction macro(Node.Macro m, Scope definedIn) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw new TemplateException("macro '" + m.name() + "' takes not more than " + m.params().size()
                        + " argument(s)");
            }
            Scope s = new Scope(definedIn);
            Map<String, Object> rest = new LinkedHashMap<>(kwargs);
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                Expr fallback = m.defaults().get(i);
                Object v = i < args.size() ? args.get(i) : rest.containsKey(p) ? rest.get(p)
                        : fallback != null ? eval(fallback, s) : new Undefined("parameter '" + p + "' was not provided");
                rest.remove(p);
                s.vars.put(p, v);
            }
            if (!rest.isEmpty()) {
                throw new TemplateException("macro '" + m.name() + "' takes no keyword argument '"
                        + rest.keySet().iterator().next() + "'");
            }
            StringBuilder out = new StringBuilder();
            render(m.body(), s, out);
            return out.toString();
        };
    }

    private Object eval(Expr e, Scope scope) {
        return switch (e) {
            case Expr.Literal l -> l.value();
            case Expr.Name n -> scope.lookup(n.name());
            case Expr.ListLiteral l -> l.tuple() ? new Tuple(evalAll(l.items(), scope)) : evalAll(l.items(), scope);
            case Expr.DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    map.put(eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
                }
                yield map;
            }
            case Expr.Attribute a -> Values.attribute(eval(a.target(), scope), a.name());
            case Expr.Item i -> Values.item(eval(i.target(), scope), eval(i.key(), scope));
            case Expr.Slice s -> Values.slice(eval(s.target(), scope), evalOrNull(s.start(), scope),
                    evalOrNull(s.stop(), scope), evalOrNull(s.step(), scope));
            case Expr.Call c -> call(eval(c.target(), scope), evalAll(c.args(), scope), evalKeywords(c.kwargs(), scope));
            case Expr.Filter f -> Filters.apply(f.name(), eval(f.target(), scope), evalAll(f.args(), scope),
                    evalKeywords(f.kwargs(), scope));
            case Expr.Test t -> Tests.apply(t.name(), eval(t.target(), scope), evalAll(t.args(), scope)) != t.negated();
            case Expr.Unary u -> unary(u.op(), eval(u.operand(), scope));
            case Expr.Binary b -> binary(b, scope);
            case Expr.Compare c -> compare(c, scope);
            case Expr.Conditional c -> Values.truthy(eval(c.test(), scope)) ? eval(c.then(), scope)
                    : c.otherwise() == null ? new Undefined("the inline if-expression evaluated to false and no else "
                    + "section was defined.") : eval(c.otherwise(), scope);
        };
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private List<Object> evalAll(List<Expr> exprs, Scope scope) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr x : exprs) {
            out.add(eval(x, scope));
        }
        return out;
    }

    private Map<String, Object> evalKeywords(Map<String, Expr> exprs, Scope scope) {
        Map<String, Object> out = new LinkedHashMap<>();
        exprs.forEach((k, x) -> out.put(k, eval(x, scope)));
        return out;
    }

    private static Object call(Object target, List<Object> args, Map<String, Object> kwargs) {
        return switch (target) {
            case JinjaFunction f -> f.call(args, kwargs);
            case Undefined u -> throw u.error();
            case null, default -> throw new TemplateException("'" + Values.typeName(target) + "' object is not callable");
        };
    }

    private static Object unary(String op, Object v) {
        return switch (op) {
            case "not" -> !Values.truthy(v);
            case "-" -> Values.negate(v);
            default -> Values.negate(Values.negate(v));
        };
    }

    private Object binary(Expr.Binary b, Scope scope) {
        Object left = eval(b.left(), scope);
        return switch (b.op()) {
            case "and" -> Values.truthy(left) ? eval(b.right(), scope) : left;
            case "or" -> Values.truthy(left) ? left : eval(b.right(), scope);
            case "+" -> Values.add(left, eval(b.right(), scope));
            case "~" -> Values.str(left) + Values.str(eval(b.right(), scope));
            default -> Values.arithmetic(b.op(), left, eval(b.right(), scope));
        };
    }

    private boolean compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int i = 0; i < c.ops().size(); i++) {
            String op = c.ops().get(i);
            Object right = eval(c.operands().get(i), scope);
            boolean holds = switch (op) {
                case "==" -> Values.equal(left, right);
                case "!=" -> !Values.equal(left, right);
                case "in" -> Values.contains(right, left);
                case "notin" -> !Values.contains(right, left);
                case "<" -> Values.compare(left, right, op) < 0;
                case "<=" -> Values.compare(left, right, op) <= 0;
                case ">" -> Values.compare(left, right, op) > 0;
                default -> Values.compare(left, right, op) >= 0;
            };
            if (!holds) {
                return false;
            }
            left = right;
        }
        return true;
    }
}
