package org.llmexplorer.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.tensor.GgmlType;

/** The Q4_K_M mix a random model is written in: llama.cpp's choice of Q6_K matrices. */
class WeightMixTest {

    /** Sixteen layers (llama-3.2-1b): the first two, the last two, and every third from layer 4. */
    @Test
    void moreBitsInTheFirstAndLastEighthAndEveryThirdLayer() {
        WeightMix mix = WeightMix.parse("q4_k_m");
        List<Integer> six = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            if (mix.sensitive(i, 16) == GgmlType.Q6_K) {
                six.add(i);
            }
        }
        assertEquals(List.of(0, 1, 4, 7, 10, 13, 14, 15), six);
        assertEquals(GgmlType.Q6_K, mix.output());
        WeightMix plain = WeightMix.parse("Q4_0");
        assertEquals(GgmlType.Q4_0, plain.sensitive(0, 16));
        assertEquals(GgmlType.Q4_0, plain.output());
        assertEquals(GgmlType.Q5_K, WeightMix.parse("Q5_K_M").sensitive(2, 16));
        assertEquals(GgmlType.Q6_K, WeightMix.parse("Q5_K_M").sensitive(1, 16));
        assertThrows(IllegalArgumentException.class, () -> WeightMix.parse("Q4_K_X"));
    }

    /** Written to a file: tied embeddings, attn_v and ffn_down in Q6_K where the rule says, the rest Q4_K. */
    @Test
    void aWrittenFileHoldsTheMix(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mix.gguf");
        ModelShape shape = new ModelShape("tiny", 9, 256, 512, 4, 2, 300, 10000f, true);
        RandomModelWriter.write(shape, WeightMix.parse("Q4_K_M"), file, 1);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertEquals(GgmlType.Q6_K, gguf.tensor("token_embd.weight").orElseThrow().type());
            for (int l = 0; l < 9; l++) {
                GgmlType expected = l < 1 || l >= 7 || (l - 1) % 3 == 2 ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertEquals(expected, gguf.tensor("blk." + l + ".attn_v.weight").orElseThrow().type(), "attn_v " + l);
                assertEquals(expected, gguf.tensor("blk." + l + ".ffn_down.weight").orElseThrow().type(), "ffn_down " + l);
                assertEquals(GgmlType.Q4_K, gguf.tensor("blk." + l + ".attn_q.weight").orElseThrow().type(), "attn_q " + l);
                assertEquals(GgmlType.Q4_K, gguf.tensor("blk." + l + ".ffn_up.weight").orElseThrow().type(), "ffn_up " + l);
            }
        }
    }
}
