package org.llmexplorer.engine.template;

/** One lexical token of a template: literal text, a tag delimiter, or a piece of an expression inside a tag. */
record Token(Kind kind, String text, Object value, int line, int column) {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    boolean is(Kind k, String s) {
        return kind == k && text.equals(s);
    }

    boolean isOp(String s) {
        return is(Kind.OP, s);
    }

    boolean isName(String s) {
        return is(Kind.NAME, s);
    }

    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case VAR_END -> "end of print statement '}}'";
            case BLOCK_END -> "end of statement block '%}'";
            case VAR_BEGIN, BLOCK_BEGIN -> "'" + text + "'";
            case TEXT -> "template data";
            default -> "'" + text + "'";
        };
    }
}
