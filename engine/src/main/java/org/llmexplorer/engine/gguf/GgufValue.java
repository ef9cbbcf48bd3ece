package org.llmexplorer.engine.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value with its GGUF type, so that a file can be written back exactly as read.
 * Scalars are boxed Java values (unsigned types widened: UINT8/UINT16 to Integer, UINT32 to Long;
 * UINT64 stays a Long holding the raw bits). Arrays hold a {@link GgufArray}.
 */
public record GgufValue(GgufValueType type, Object value) {

    public GgufValue {
        Objects.requireNonNull(type);
        Objects.requireNonNull(value);
    }

    public static GgufValue ofString(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    public static GgufValue ofUInt32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    public static GgufValue ofInt32(int v) {
        return new GgufValue(GgufValueType.INT32, v);
    }

    public static GgufValue ofFloat32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, v);
    }

    public static GgufValue ofBool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, v);
    }

    public static GgufValue ofArray(GgufArray array) {
        return new GgufValue(GgufValueType.ARRAY, array);
    }

    public long asLong() {
        if (value instanceof Number n && !(value instanceof Float) && !(value instanceof Double)) {
            return n.longValue();
        }
        if (value instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw new IllegalStateException("not an integer: " + type);
    }

    public double asDouble() {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalStateException("not a number: " + type);
    }

    @Override
    public String toString() {
        return value instanceof GgufArray a ? a.toString() : String.valueOf(value);
    }

    /**
     * A typed array. {@code values} is a primitive array for numeric element types
     * (int[] for 8/16-bit and INT32, long[] for UINT32/64-bit, float[], double[], boolean[]),
     * String[] for strings and GgufArray[] for nested arrays.
     */
    public record GgufArray(GgufValueType elementType, Object values) {
        public int length() {
            return java.lang.reflect.Array.getLength(values);
        }

        public String[] strings() {
            return (String[]) values;
        }

        public float[] floats() {
            return (float[]) values;
        }

        public int[] ints() {
            return (int[]) values;
        }

        public long[] longs() {
            return (long[]) values;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GgufArray a && a.elementType == elementType
                    && Arrays.deepEquals(new Object[] {values}, new Object[] {a.values});
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(new Object[] {elementType, values});
        }

        @Override
        public String toString() {
            return "array<" + elementType.name().toLowerCase() + ">[" + length() + "]";
        }
    }
}
