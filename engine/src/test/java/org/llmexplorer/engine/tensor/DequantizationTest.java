package org.llmexplorer.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufTensorInfo;

/**
 * Every tensor of the tiny model, in each weight type, dequantizes to exactly the values
 * llama.cpp's reference gives: the first 2048 values one by one, and all values through the
 * SHA-256 of their float32 bytes.
 */
class DequantizationTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "Q2_K", "Q3_K_S", "Q4_K_S",
        "Q4_K_M", "Q5_K_S", "Q6_K"})
    void dequantizesExactlyLikeLlamaCpp(String type) throws Exception {
        JsonNode reference = Shared.json("archs/tiny-llama-gqa-" + type + "-dequant.json");
        try (GgufFile file = GgufFile.open(Shared.path("archs/tiny-llama-gqa-" + type + ".gguf"))) {
            int checked = 0;
            for (JsonNode t : reference.get("tensors")) {
                if (!t.get("quantized").asBoolean()) {
                    continue;
                }
                GgufTensorInfo info = file.tensor(t.get("name").asText()).orElseThrow();
                assertEquals(t.get("type").asText(), info.type().name());
                assertEquals(t.get("data_offset_in_file").asLong(), file.dataStart() + info.offset());
                MemorySegment data = file.data(info);
                int n = (int) info.elementCount();
                float[] values = new float[n];
                TensorFormats.of(info.type()).dequantize(data, 0, values, 0, n);

                JsonNode first = t.get("first_values");
                for (int i = 0; i < first.size(); i++) {
                    assertEquals((float) first.get(i).asDouble(), values[i], 0f, info.name() + "[" + i + "]");
                }
                double sum = 0;
                for (float v : values) {
                    sum += v;
                }
                assertEquals(t.get("sum").asDouble(), sum, Math.abs(sum) * 1e-9 + 1e-9, info.name() + " sum");
                assertEquals(t.get("sha256_of_f32_le_values").asText(), sha256(values), info.name() + " sha256");

                // The element-wise accessor agrees with block dequantization.
                for (int i = 0; i < n; i += 997) {
                    assertEquals(values[i], TensorFormats.of(info.type()).get(data, i), 0f);
                }
                checked++;
            }
            assertEquals(16, checked, "every 2-D weight of the model was checked");
        }
    }

    static String sha256(float[] values) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }
}
