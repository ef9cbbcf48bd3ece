package org.llmexplorer.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.Shared;
import org.llmexplorer.engine.tensor.GgmlType;

class GgufReaderTest {

    @Test
    void readsTheStoriesModel() throws Exception {
        var path = Shared.path("models/stories260K.gguf");
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(3, f.version());
            assertEquals("llama", f.string("general.architecture").orElseThrow());
            assertEquals(64, f.integer("llama.embedding_length").orElseThrow());
            assertEquals(5, f.integer("llama.block_count").orElseThrow());
            assertEquals(1e-5, f.number("llama.attention.layer_norm_rms_epsilon").orElseThrow(), 1e-9);
            var tokens = f.array("tokenizer.ggml.tokens").orElseThrow();
            assertEquals(GgufValueType.STRING, tokens.elementType());
            assertEquals(512, tokens.length());
            assertEquals("<s>", tokens.strings()[1]);
            assertEquals(48, f.tensors().size());
            GgufTensorInfo embd = f.tensor("token_embd.weight").orElseThrow();
            assertEquals(GgmlType.F32, embd.type());
            assertArrayEquals(new long[] {64, 512}, embd.shape());
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % f.alignment(), t.name());
            }
            assertEquals(0, f.dataStart() % f.alignment());

            // A value read through the mapping is the float at that absolute offset of the file.
            byte[] bytes = Files.readAllBytes(path);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            GgufTensorInfo down = f.tensor("blk.3.ffn_down.weight").orElseThrow();
            for (long i : new long[] {0, 1, 777, down.elementCount() - 1}) {
                float expected = b.getFloat((int) (f.dataStart() + down.offset() + 4 * i));
                assertEquals(expected, f.data(down).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * i), 0f);
            }
            long headerEnd = new HeaderLayout(bytes).headerEnd;
            assertEquals((headerEnd + f.alignment() - 1) / f.alignment() * f.alignment(), f.dataStart(),
                    "data starts at the end of the header rounded up to the alignment");
        }
    }
}
