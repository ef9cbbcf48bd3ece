package org.llmexplorer.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Jinja features chat templates rely on; expected values are what Python's jinja2 3.1 renders. */
class JinjaTemplateTest {
    static String render(String template, Object... keysAndValues) {
        return JinjaTemplate.parse(template).render(ordered(keysAndValues));
    }

    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static TemplateException failure(String template, Object... keysAndValues) {
        return assertThrows(TemplateException.class, () -> render(template, keysAndValues));
    }

    @Test
    void filtersBindTighterThanArithmeticAndNotLooserThanTests() {
        // llama3_1: only the content is trimmed
        assertEquals("<h> x<e>", render("{{ '<h> ' + c | trim + '<e>' }}", "c", "  x  "));
        assertEquals("a x!", render("{{ 'a' ~ ' ' + ' x ' | trim + '!' }}"));
        assertEquals("2", render("{{ l|length - 1 }}", "l", List.of(1, 2, 3)));
        // deepseek_v3: not (x is defined)
        assertEquals("kept", render("{% if not agp is defined %}reset{% else %}kept{% endif %}", "agp", true));
        assertEquals("True", render("{{ not n is none }}", "n", 5));
        // qwen3: a named argument whose value is a filtered difference
        assertEquals("2", render("{% set ns = namespace(i=l|length - 1) %}{{ ns.i }}", "l", List.of(1, 2, 3)));
        assertEquals("False", render("{{ not(true) }}"));
        // Jinja, unlike Python, groups ** from the left and applies a sign before the power
        assertEquals("7 9 64 5 4", render("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ 10 - 2 - 3 }} {{ -2 ** 2 }}"));
        assertEquals("True", render("{{ (r == 'user') != (i % 2 == 0) }}", "r", "assistant", "i", 0));
        assertEquals("x", render("{{ (a if first else '') }}", "a", "x", "first", true));
        assertEquals("TrueFalse", render("{{ 1 < 2 < 3 }}{{ 3 > 2 > 2 }}"));
    }

    @Test
    void whitespaceControlAndTrimAndLstripBlocks() {
        assertEquals("x  y", render("  {% if true %}\nx{% endif %}\n  y"));
        assertEquals("a  b", render("a  {% if true %}b{% endif %}"));
        assertEquals("ab", render("a\n  {#- c #}\nb"));
        assertEquals("a\nb", render("a\n  {# c #}\nb"));
        assertEquals("a\nb", render("{{ 'a' }}\nb"), "no trim_blocks after an expression");
        assertEquals("    indented\n", render("{% if true %}\n    indented\n{% endif %}\n"), "the final newline is dropped");
        assertEquals("AB", render("{%- if true -%}\n    A\n{%- endif -%}\n    B"));
        assertEquals("line1\n  item 1\n  item 2\nend", render("line1\n{% for i in [1, 2] %}\n  item {{ i }}\n{% endfor %}\nend"));
        assertEquals("  keep\nafter", render("  {%+ if true %}keep{% endif +%}\nafter"));
        assertEquals("ab", render("{{- ' a '|trim -}}   {{- 'b' }}"));
        assertEquals("{{ x }}", render("{% raw %}{{ x }}{% endraw %}"));
        assertEquals("Aé\n\t\\|its|abc", render("{{ \"\\x41\\u00e9\\n\\t\\\\\" }}|{{ 'it''s' }}|{{ \"a\" \"b\" 'c' }}"));
        assertEquals("a\n\nb", render("{{ 'a\n\nb' }}"), "a raw line break inside a string literal");
    }

    @Test
    void tojsonIsPythonJsonDumpsWithoutAsciiEscapes() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", Arrays.asList(1, 2.5, null, true));
        value.put("a", "é\"\\\n\t\u0001 北京");
        assertEquals("{\"b\": [1, 2.5, null, true], \"a\": \"é\\\"\\\\\\n\\t\\u0001 北京\"}",
                render("{{ v | tojson }}", "v", value));
        assertEquals("[]{}", render("{{ [] | tojson }}{{ {} | tojson }}"));
        assertEquals("[\n  1,\n  [\n    2,\n    {\n      \"k\": \"v\"\n    }\n  ]\n]",
                render("{{ [1, [2, {'k': 'v'}]] | tojson(indent=2) }}"));
        assertEquals("{\"a\": 2, \"b\": 1}", render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}"));
        assertEquals("1e+16 0.1 3.0", render("{{ 1e16|tojson }} {{ 0.1|tojson }} {{ 3.0|tojson }}"));
    }

    @Test
    void slicesAndIndexesArePythons() {
        assertEquals("ell|hlo|[4, 5]|[5, 4]|[]|🌍|7",
                render("{{ 'hello'[1:-1] }}|{{ 'hello'[::2] }}|{{ l[-2:] }}|{{ l[:-3:-1] }}|{{ l[10:] }}"
                        + "|{{ 'héllo 🌍'[-1] }}|{{ 'héllo 🌍'|length }}", "l", List.of(1, 2, 3, 4, 5)));
        assertEquals("cba", render("{% for m in l[::-1] %}{{ m }}{% endfor %}", "l", List.of("a", "b", "c")));
        assertEquals("[2, 3]|3||2", render("{{ l[1:] }}|{{ l[-1] }}|{{ l[5] }}|{{ l.1 }}", "l", List.of(1, 2, 3)));
        assertEquals("slice step cannot be zero", failure("{{ l[::0] }}", "l", List.of(1)).getMessage());
    }

    @Test
    void namespaceSurvivesTheLoopAndPlainSetDoesNot() {
        assertEquals("6 3 False", render("{% set ns = namespace(count=0, last=none) %}{% for x in [1, 2, 3] %}"
                + "{% set ns.count = ns.count + x %}{% set ns.last = x %}{% set local = x %}{% endfor %}"
                + "{{ ns.count }} {{ ns.last }} {{ local is defined }}"));
        assertEquals("111", render("{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{% endfor %}{{ x }}"));
        assertEquals("cannot assign attribute on non-namespace object", failure("{% set x = 5 %}{% set x.y = 1 %}").getMessage());
    }

    @Test
    void loopVariablesAndControls() {
        assertEquals("1/2/2/True/False;2/2/1/False/True;", render("{% for i in [1, 2, 3] if i > 1 %}{{ loop.index }}/"
                + "{{ loop.length }}/{{ loop.revindex }}/{{ loop.first }}/{{ loop.last }};{% endfor %}"));
        assertEquals("-1-o;3-2-e;1--o;", render("{% for i in [3, 1, 2] %}{{ loop.previtem }}-{{ loop.nextitem }}-"
                + "{{ loop.cycle('o', 'e') }};{% endfor %}"));
        assertEquals("3|32", render("{% for i in [3, 1, 2] %}{% if i == 1 %}{% break %}{% endif %}{{ i }}{% endfor %}|"
                + "{% for i in [3, 1, 2] %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}"));
        assertEquals("empty", render("{% for x in [] %}a{% else %}empty{% endfor %}"));
        assertEquals("a=1;b=[1, 2];", render("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
                "d", ordered("a", 1, "b", List.of(1, 2))));
    }

    @Test
    void pythonStringMethods() {
        assertEquals("b|abc|TrueTrue", render("{{ s.split('</think>')[-1].lstrip('\\n') }}|{{ 'xxabcxx'.strip('x') }}|"
                + "{{ 'a b'.startswith('a') }}{{ 'a b'.endswith(('z', 'b')) }}", "s", "<think>a</think>\n\nb"));
        assertEquals("['a', 'b']a b|['a', 'b', '', 'c']['a', 'b,c']['a', 'b ']", render("{{ ws.split() }}{{ ws.strip() }}|"
                + "{{ 'a,b,,c'.split(',') }}{{ 'a,b,c'.split(',', 1) }}{{ '  a  b '.split(none, 1) }}", "ws", " \t a b \n"));
        assertEquals("HÉLLO|hello world|Hello World|Hello world|a+b-c|2|-1|2|a, b", render("{{ 'héllo'.upper() }}|"
                + "{{ 'HeLLo wORLD'.lower() }}|{{ 'hello world'.title() }}|{{ 'hello World'.capitalize() }}|"
                + "{{ 'a-b-c'.replace('-', '+', 1) }}|{{ 'abcabc'.find('c') }}|{{ 'abc'.find('z') }}|"
                + "{{ 'abcabc'.count('b') }}|{{ ', '.join(['a', 'b']) }}"));
        assertEquals("1None9['a']", render("{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 9) }}{{ d.keys()|list }}",
                "d", Map.of("a", 1)));
    }

    @Test
    void testsAndTruthiness() {
        assertEquals("TrueTrueFalseTrueTrueFalse", render("{{ 'a' is string }}{{ [1] is iterable }}{{ n is iterable }}"
                + "{{ u is iterable }}{{ d is mapping }}{{ '' is mapping }}", "n", null, "d", Map.of()));
        assertEquals("TrueFalseTrueTrueFalse", render("{{ f is false }}{{ n is false }}{{ n is none }}"
                + "{{ x is not defined }}{{ t is number and t is integer }}", "f", false, "n", null, "t", true));
        assertEquals("nothing", render("{% if tools %}tools{% else %}nothing{% endif %}", "tools", List.of()));
        assertEquals("TrueTrueTrue", render("{{ 9 is divisibleby 3 }}{{ 3 is odd }}{{ 'u' is in ['u'] }}"));
    }

    @Test
    void valuesPrintAsPythonPrintsThem() {
        assertEquals("None|True|1.0|1e+20|[1, 'a', None]|{'k': [1, 2]}|0.30000000000000004|1e-05|('a', 1)",
                render("{{ n }}|{{ true }}|{{ 1.0 }}|{{ 1e20 }}|{{ [1, 'a', none] }}|{{ {'k': [1, 2]} }}|{{ 0.1 + 0.2 }}"
                        + "|{{ 1e-5 }}|{{ ('a', 1) }}", "n", null));
        assertEquals("3 -4 2 3.5 2.0 1024 0.5", render("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }}"
                + " {{ 2 ** 10 }} {{ 2 ** -1 }}"));
        assertEquals("[\"it's\", 'say \"hi\"', 'tab\\t']", render("{{ [\"it's\", 'say \"hi\"', 'tab\\t'] }}"));
    }

    @Test
    void undefinedIsEmptyUntilItIsUsed() {
        assertEquals("||z|0", render("{{ x }}|{{ d.missing }}|{{ x | default('z') }}|{{ x | length }}", "d", Map.of()));
        assertEquals("'x' is undefined", failure("{{ x + 'a' }}").getMessage());
        assertEquals("'dict object' has no attribute 'tool_calls'", failure("{{ m.tool_calls.x }}", "m", Map.of()).getMessage());
        assertEquals("list object has no element 0", failure("{{ messages[0].role }}", "messages", List.of()).getMessage());
        assertEquals("unsupported operand type(s) for +: 'NoneType' and 'str'", failure("{{ n + 'a' }}", "n", null).getMessage());
        assertEquals("can only concatenate str (not \"int\") to str", failure("{{ 'a' + 1 }}").getMessage());
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        TemplateException e = failure("{% if true %}{{ raise_exception('Roles must alternate') }}{% endif %}");
        assertEquals("Roles must alternate", e.getMessage());
        assertEquals(false, e.isSyntaxError());
    }

    @Test
    void syntaxErrorsHaveLineAndColumn() {
        TemplateException e = failure("ok\n{% if true %}\n{{ 1 + }}\n{% endif %}");
        assertEquals(3, e.line());
        assertEquals(8, e.column());
        assertEquals("unexpected end of print statement '}}' (line 3, column 8)", e.getMessage());
        assertEquals("Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'.",
                failure("a{% if true %}b").reason());
        assertEquals("Encountered unknown tag 'include'.", failure("{% include 'x' %}").reason());
        assertEquals("unexpected end of string", failure("{{ 'abc }}").reason());
        assertEquals("No filter named 'nope'.", failure("{{ 1 | nope }}").getMessage());
    }

    @Test
    void macrosFiltersAndSetBlocks() {
        assertEquals("[12][13][45]", render("{% macro m(a, b=2) %}[{{ a }}{{ b }}]{% endmacro %}{{ m(1) }}{{ m(1, b=3) }}"
                + "{{ m(b=5, a=4) }}"));
        assertEquals("[inner 2]", render("{% set c %}inner {{ 1 + 1 }}{% endset %}[{{ c }}]"));
        assertEquals("SHOUT", render("{% filter upper %}shout{% endfilter %}"));
        assertEquals("f|1", render("{{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(',') }}|"
                + "{{ msgs|rejectattr('role', 'equalto', 'user')|list|length }}",
                "msgs", List.of(Map.of("role", "user", "content", "f"), Map.of("role", "system", "content", "s"))));
        assertEquals("1,2,3|['b', 'A', 'c']|  a\n  b", render("{{ [3, 1, 2]|sort|join(',') }}|{{ ['b', 'A', 'c']|list }}|"
                + "{{ 'a\nb'|indent(2, true) }}"));
        assertEquals("[0, 1, 2][3, 2, 1]", render("{{ range(3)|list }}{{ range(3, 0, -1)|list }}"));
    }

    @Test
    void trimStripsUnicodeWhitespaceTheWayTheReferenceDoes() {
        assertEquals("x", render("{{ s | trim }}", "s", " \u3000x\u00a0\u2028 "));
        // JavaScript's set: U+FEFF goes, U+0085 and U+001F stay (Python would do the opposite)
        assertEquals("\u0085 BOM and NEL \u001f", render("{{ s | trim }}", "s", "\uFEFF\u0085 BOM and NEL \u001f"));
    }
}
