package org.llmexplorer.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.llmexplorer.engine.gguf.GgufFile;
import org.llmexplorer.engine.gguf.GgufFormatException;

/** Text to token ids and back, for one vocabulary. */
public interface Tokenizer {

    Vocabulary vocabulary();

    /**
     * Token ids of a text.
     *
     * @param addSpecial   add BOS (and EOS) as the vocabulary asks
     * @param parseSpecial recognise control-token text (such as {@code <s>}) as those tokens
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** The bytes a token stands for; control tokens give nothing unless {@code special} is set. */
    byte[] piece(int token, boolean special);

    /** The text of a run of tokens (control tokens left out). */
    default String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t : tokens) {
            out.writeBytes(piece(t, false));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The tokenizer the file's {@code tokenizer.ggml.model} names: {@code llama} (SentencePiece) or {@code gpt2}
     * (byte-level BPE, with the pre-tokenizer {@code tokenizer.ggml.pre} names).
     */
    static Tokenizer from(GgufFile file) throws GgufFormatException {
        Vocabulary vocab = Vocabulary.from(file);
        String name = file.path().getFileName().toString();
        return switch (vocab.model()) {
            case "llama" -> new SentencePieceTokenizer(vocab);
            case "gpt2" -> {
                if (PreTokenizer.named(vocab.preTokenizer()).isEmpty()) {
                    throw file.keyError("tokenizer.ggml.pre", "BPE pre-tokenizer '"
                            + vocab.preTokenizer() + "' is not supported (supported: "
                            + PreTokenizer.supportedNames() + ")");
                }
                yield new BpeTokenizer(vocab);
            }
            default -> throw file.keyError("tokenizer.ggml.model",
                    "tokenizer model '" + vocab.model() + "' is not supported yet (supported: llama, gpt2)");
        };
    }
}
