package org.llmexplorer.engine.template;

import java.util.ArrayList;
import java.util.Collection;

/** A Python tuple: a list everywhere, except that it prints as {@code ('a', 1)}. */
final class Tuple extends ArrayList<Object> {
    Tuple(Collection<?> items) {
        super(items);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (Object x : this) {
            sb.append(sb.length() > 1 ? ", " : "").append(Values.repr(x));
        }
        return sb.append(size() == 1 ? ",)" : ")").toString();
    }
}
