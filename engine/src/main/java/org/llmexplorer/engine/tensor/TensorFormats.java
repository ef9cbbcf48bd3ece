package org.llmexplorer.engine.tensor;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.llmexplorer.engine.tensor.format.BF16Format;
import org.llmexplorer.engine.tensor.format.F16Format;
import org.llmexplorer.engine.tensor.format.F32Format;
import org.llmexplorer.engine.tensor.format.IQ4_NLFormat;
import org.llmexplorer.engine.tensor.format.Q2_KFormat;
import org.llmexplorer.engine.tensor.format.Q3_KFormat;
import org.llmexplorer.engine.tensor.format.Q4_0Format;
import org.llmexplorer.engine.tensor.format.Q4_1Format;
import org.llmexplorer.engine.tensor.format.Q4_KFormat;
import org.llmexplorer.engine.tensor.format.Q5_0Format;
import org.llmexplorer.engine.tensor.format.Q5_1Format;
import org.llmexplorer.engine.tensor.format.Q5_KFormat;
import org.llmexplorer.engine.tensor.format.Q6_KFormat;
import org.llmexplorer.engine.tensor.format.Q8_0Format;

/** The weight types the engine can compute with, and their formats. */
public final class TensorFormats {
    private static final Map<GgmlType, TensorFormat> FORMATS = new EnumMap<>(GgmlType.class);

    static {
        for (TensorFormat f : new TensorFormat[] {
                new F32Format(), new F16Format(), new BF16Format(), new Q8_0Format(), new Q4_0Format(),
                new Q4_1Format(), new Q5_0Format(), new Q5_1Format(), new IQ4_NLFormat(), new Q2_KFormat(),
                new Q3_KFormat(), new Q4_KFormat(), new Q5_KFormat(), new Q6_KFormat()}) {
            FORMATS.put(f.type(), f);
        }
    }

    private TensorFormats() {
    }

    public static Optional<TensorFormat> find(GgmlType type) {
        return Optional.ofNullable(FORMATS.get(type));
    }

    public static boolean supported(GgmlType type) {
        return FORMATS.containsKey(type);
    }

    public static TensorFormat of(GgmlType type) {
        TensorFormat f = FORMATS.get(type);
        if (f == null) {
            throw new UnsupportedOperationException("weight type " + type + " is not supported yet (supported: "
                    + FORMATS.keySet() + ")");
        }
        return f;
    }
}
