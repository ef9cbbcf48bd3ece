package org.llmexplorer.engine.train;

import java.util.ArrayList;
import java.util.List;
import org.llmexplorer.engine.tokenizer.BpeTrainer;
import org.llmexplorer.engine.tokenizer.Tokenizer;
import org.llmexplorer.engine.tokenizer.TrainedBpe;

/**
 * Texts made ready for training: each split into training and held-out parts ({@link TextSplit}),
 * a tokenizer learned from the training parts (or one given, when a run resumes), and both parts
 * as token streams, each text as BOS, its tokens, EOS, texts one after another.
 */
public record Corpus(TrainedBpe tokenizer, int[] train, int[] validation, String validationText) {

    public static Corpus prepare(List<String> texts, double validationFraction, TrainedBpe given, int vocab,
                                 String preTokenizer) {
        List<TextSplit> splits = texts.stream().map(t -> TextSplit.of(t, validationFraction)).toList();
        TrainedBpe bpe = given != null ? given
                : BpeTrainer.train(splits.stream().map(TextSplit::train).toList(), vocab, preTokenizer);
        Tokenizer tokenizer = bpe.tokenizer();
        List<int[]> train = new ArrayList<>();
        List<int[]> validation = new ArrayList<>();
        StringBuilder validationText = new StringBuilder();
        for (TextSplit s : splits) {
            train.add(document(tokenizer, s.train()));
            if (!s.validation().isEmpty()) {
                validation.add(document(tokenizer, s.validation()));
                validationText.append(s.validation());
            }
        }
        return new Corpus(bpe, concat(train), concat(validation), validationText.toString());
    }

    private static int[] document(Tokenizer tokenizer, String text) {
        int[] ids = tokenizer.encode(text, true, false); // BOS first, as the vocabulary asks
        int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);
        withEos[ids.length] = TrainedBpe.EOS;
        return withEos;
    }

    private static int[] concat(List<int[]> parts) {
        int n = parts.stream().mapToInt(a -> a.length).sum();
        int[] out = new int[n];
        int at = 0;
        for (int[] a : parts) {
            System.arraycopy(a, 0, out, at, a.length);
            at += a.length;
        }
        return out;
    }
}
