package org.llmexplorer.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON (Jackson) as the plain Java values templates take: maps keep key order, whole numbers become Long. */
public final class JsonValues {
    private JsonValues() {
    }

    public static Object toJava(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), toJava(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(x -> list.add(toJava(x)));
            return list;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.longValue() : (Object) node.doubleValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.asText();
    }

    /** The messages of a JSON array: each an object with at least a role. */
    public static List<ChatMessage> messages(JsonNode array) {
        if (array == null || !array.isArray()) {
            throw new IllegalArgumentException("messages must be a JSON array of objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        array.forEach(m -> out.add(ChatMessage.fromJson(m)));
        return out;
    }
}
