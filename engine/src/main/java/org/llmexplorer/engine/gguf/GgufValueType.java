package org.llmexplorer.engine.gguf;

/** The metadata value types of GGUF, with their ids and fixed sizes (0 for variable-size types). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4),
    FLOAT32(6, 4), BOOL(7, 1), STRING(8, 0), ARRAY(9, 0), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    public final int id;
    /** Size in bytes of one value, or 0 for STRING and ARRAY. */
    public final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public static GgufValueType byId(long id) {
        for (GgufValueType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** The smallest number of bytes one value of this type can take in a file. */
    public int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;      // length only
            case ARRAY -> 12;      // element type + count
            default -> size;
        };
    }
}
