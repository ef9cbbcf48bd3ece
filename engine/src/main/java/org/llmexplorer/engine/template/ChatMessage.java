package org.llmexplorer.engine.template;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message of a conversation as a chat template sees it: a map with {@code role}, {@code content} (a string,
 * null, or a list of parts such as {@code {"type": "text", "text": ...}}) and whatever else the caller passes on,
 * such as {@code tool_calls}, {@code reasoning_content} or {@code tool_call_id}. A key that is absent is undefined
 * in the template, which is not the same as a key whose value is null ({@code content is none}).
 */
public record ChatMessage(Map<String, Object> fields) {
    public ChatMessage {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ChatMessage of(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return new ChatMessage(m);
    }

    /** A message from a JSON object, every field kept (nested objects as maps, arrays as lists). */
    @SuppressWarnings("unchecked")
    public static ChatMessage fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a message must be a JSON object, got " + node);
        }
        return new ChatMessage((Map<String, Object>) JsonValues.toJava(node));
    }

    /** A copy with one more (or a replaced) field. */
    public ChatMessage with(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(fields);
        m.put(key, value);
        return new ChatMessage(m);
    }

    public String role() {
        return fields.get("role") instanceof String s ? s : null;
    }

    /** The content: a String, a list of parts, or null (also when absent). */
    public Object content() {
        return fields.get("content");
    }
}
