package org.llmexplorer.engine.generate;

import org.llmexplorer.engine.sampling.TokenProbability;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search: keeps the {@code numBeams} most probable partial sequences, extending each by its
 * most probable next tokens at every step. A sequence that reaches the end-of-sequence token is
 * finished; its score is its total log-probability divided by length^lengthPenalty. With
 * {@code earlyStopping} the search ends once numBeams sequences are finished. Deterministic:
 * equal scores are ordered by beam and then by token id, so one beam is exactly greedy decoding.
 */
public final class BeamSearch {

    /** What beam search needs of a model: a start, and a way to extend a partial sequence. */
    public interface Model {
        Beam start(int[] prompt);

        int endOfSequence();
    }

    /** A partial sequence the model has read, with the logits of what comes next. */
    public interface Beam {
        float[] logits();

        /** This sequence followed by a token (this beam stays usable). */
        Beam extend(int token);
    }

    public record Settings(int numBeams, int numReturnSequences, float lengthPenalty, boolean earlyStopping,
                           int maxTokens) {
        public Settings {
            if (numBeams < 1) {
                throw new IllegalArgumentException("num_beams must be at least 1, got " + numBeams);
            }
            if (numReturnSequences < 1 || numReturnSequences > numBeams) {
                throw new IllegalArgumentException("num_return_sequences (" + numReturnSequences
                        + ") must be between 1 and num_beams (" + numBeams + ")");
            }
            if (maxTokens < 1) {
                throw new IllegalArgumentException("max tokens must be at least 1");
            }
        }
    }

    /**
     * A finished (or, at the length limit, unfinished) sequence.
     *
     * @param tokens  the generated tokens (the end-of-sequence token not included)
     * @param logProb total log-probability of the tokens (and of the end, when it ended)
     * @param score   logProb / length^lengthPenalty, what sequences are ranked by
     */
    public record Hypothesis(int[] tokens, double logProb, double score, boolean endedWithEos) {
    }

    private record Live(int[] tokens, double logProb, Beam beam) {
    }

    private record Candidate(int parent, int token, double logProb) {
    }

    private BeamSearch() {
    }

    public static List<Hypothesis> run(Model model, int[] prompt, Settings s) {
        List<Live> beams = List.of(new Live(new int[0], 0, model.start(prompt)));
        List<Hypothesis> finished = new ArrayList<>();
        for (int step = 0; step < s.maxTokens() && !beams.isEmpty(); step++) {
            List<Candidate> candidates = new ArrayList<>();
            for (int b = 0; b < beams.size(); b++) {
                float[] logits = beams.get(b).beam().logits();
                double lse = Probabilities.logSumExp(logits, 0, logits.length);
                for (TokenProbability t : Probabilities.top(logits, 0, logits.length, 2 * s.numBeams())) {
                    candidates.add(new Candidate(b, t.id(), beams.get(b).logProb() + logits[t.id()] - lse));
                }
            }
            candidates.sort(Comparator.comparingDouble((Candidate c) -> -c.logProb())
                    .thenComparingInt(Candidate::parent).thenComparingInt(Candidate::token));
            List<Live> next = new ArrayList<>();
            for (int rank = 0; rank < candidates.size() && next.size() < s.numBeams(); rank++) {
                Candidate c = candidates.get(rank);
                Live parent = beams.get(c.parent());
                if (c.token() == model.endOfSequence()) {
                    if (rank < s.numBeams()) { // an end only counts if it ranks among the beams
                        finished.add(hypothesis(parent.tokens(), c.logProb(), s, true));
                    }
                    continue;
                }
                int[] tokens = java.util.Arrays.copyOf(parent.tokens(), parent.tokens().length + 1);
                tokens[tokens.length - 1] = c.token();
                boolean last = step == s.maxTokens() - 1;
                next.add(new Live(tokens, c.logProb(), last ? null : parent.beam().extend(c.token())));
            }
            beams = next;
            if (s.earlyStopping() && finished.size() >= s.numBeams()) {
                beams = List.of();
                break;
            }
            if (!s.earlyStopping() && finished.size() >= s.numBeams() && !beams.isEmpty()) {
                // Stop when no live beam can still beat the worst of the best finished ones.
                double worstKept = sortedScores(finished).get(s.numBeams() - 1);
                double bestLive = beams.get(0).logProb() / Math.pow(beams.get(0).tokens().length, s.lengthPenalty());
                if (bestLive <= worstKept) {
                    beams = List.of();
                    break;
                }
            }
        }
        for (Live live : beams) { // the length limit reached: live beams count as they are
            finished.add(hypothesis(live.tokens(), live.logProb(), s, false));
        }
        finished.sort(Comparator.comparingDouble((Hypothesis h) -> -h.score()));
        return List.copyOf(finished.subList(0, Math.min(s.numReturnSequences(), finished.size())));
    }

    private static Hypothesis hypothesis(int[] tokens, double logProb, Settings s, boolean eos) {
        int length = Math.max(1, tokens.length + (eos ? 1 : 0));
        return new Hypothesis(tokens, logProb, logProb / Math.pow(length, s.lengthPenalty()), eos);
    }

    private static List<Double> sortedScores(List<Hypothesis> h) {
        return h.stream().map(Hypothesis::score).sorted(Comparator.reverseOrder()).toList();
    }
}
