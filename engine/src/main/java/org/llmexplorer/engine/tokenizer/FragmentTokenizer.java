package org.llmexplorer.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * What llama.cpp's {@code tokenize} does around the subword tokenizer: BOS first where the vocabulary asks for it,
 * special and user-defined tokens cut out of the text ({@link SpecialTokenSplitter}), each run of raw text between
 * them given to the subword tokenizer, EOS last where the vocabulary asks for it.
 */
abstract class FragmentTokenizer implements Tokenizer {
    final Vocabulary vocab;
    private final SpecialTokenSplitter splitter;

    FragmentTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.splitter = new SpecialTokenSplitter(vocab);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocab;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        List<Integer> out = new ArrayList<>();
        if (addSpecial && vocab.addBos() && vocab.bos() != Vocabulary.NONE) {
            out.add(vocab.bos());
        }
        boolean afterToken = true; // the text's start counts as following a token
        for (SpecialTokenSplitter.Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                afterToken = true;
            } else {
                encodeText(f.text(), afterToken, out);
                afterToken = false;
            }
        }
        if (addSpecial && vocab.addEos() && vocab.eos() != Vocabulary.NONE) {
            out.add(vocab.eos());
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Adds the ids of one run of raw text.
     *
     * @param afterToken whether the run starts the text or follows a token
     */
    abstract void encodeText(String text, boolean afterToken, List<Integer> out);
}
