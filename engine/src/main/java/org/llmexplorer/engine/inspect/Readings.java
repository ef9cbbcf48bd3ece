package org.llmexplorer.engine.inspect;

import org.llmexplorer.engine.generate.Probabilities;
import org.llmexplorer.engine.model.Probe;

/**
 * The numbers along a text that make the usual kinds of head and the model's certainty stand out:
 * the entropy of each next-token prediction, the size of the residual stream after each layer,
 * and per head its attention entropy and the shares of attention paid to the first token (an
 * "attention sink"), to the previous token and to the token itself.
 *
 * @param entropy        entropy[position] in bits of the prediction after that token
 * @param residualNorm   residualNorm[layer][position]: the L2 norm of the residual stream
 * @param headEntropy    headEntropy[layer][head]: mean over queries of the attention entropy, bits
 * @param firstShare     mean weight on position 0
 * @param previousShare  mean weight on the position before the query (queries from 1 on)
 * @param selfShare      mean weight on the query's own position
 * @param inductionShare mean weight on the tokens that followed an earlier occurrence of the
 *                       query's token (what an induction head attends to; queries whose token
 *                       came before)
 */
public record Readings(int[] tokens, double[] entropy, double[][] residualNorm, double[][] headEntropy,
                       double[][] firstShare, double[][] previousShare, double[][] selfShare,
                       double[][] inductionShare) {

    /** One pass over the text, watching the residual stream and every head's weights. */
    public static Readings of(Pass pass, int[] tokens) {
        var c = pass.model().config();
        int layers = c.layers();
        int heads = c.heads();
        int n = tokens.length;
        double[][] norms = new double[layers][n];
        // per query, written by whichever worker computes that (layer, head, query): no sharing
        double[][][] ent = new double[layers][heads][n];
        double[][][] first = new double[layers][heads][n];
        double[][][] previous = new double[layers][heads][n];
        double[][][] self = new double[layers][heads][n];
        double[][][] induction = new double[layers][heads][n];
        boolean[] repeats = new boolean[n]; // the query's token occurred before
        for (int q = 0; q < n; q++) {
            for (int k = 1; k < q && !repeats[q]; k++) {
                repeats[q] = tokens[k - 1] == tokens[q];
            }
        }
        float[] logits = pass.logits(tokens, new Probe() {
            @Override
            public boolean watches(Site site, int layer) {
                return site == Site.RESIDUAL;
            }

            @Override
            public boolean at(Site site, int layer, int startPos, int count, int width, float[] values) {
                for (int t = 0; t < count; t++) {
                    double sum = 0;
                    for (int i = 0; i < width; i++) {
                        sum += (double) values[t * width + i] * values[t * width + i];
                    }
                    norms[layer][t] = Math.sqrt(sum);
                }
                return false;
            }

            @Override
            public boolean recordsAttention(int layer, int head) {
                return true;
            }

            @Override
            public void attention(int layer, int head, int query, int[] keys, float[] weights, int count) {
                double e = 0;
                double toFirst = 0;
                double toPrevious = 0;
                double toSelf = 0;
                double toInduction = 0;
                for (int i = 0; i < count; i++) {
                    double w = weights[i];
                    if (w > 0) {
                        e -= w * Math.log(w);
                    }
                    toFirst += keys[i] == 0 ? w : 0;
                    toPrevious += keys[i] == query - 1 ? w : 0;
                    toSelf += keys[i] == query ? w : 0;
                    toInduction += keys[i] >= 1 && keys[i] < query && tokens[keys[i] - 1] == tokens[query] ? w : 0;
                }
                // assigned, not added: a pass run again (a device that filled up) reports a query again
                first[layer][head][query] = toFirst;
                previous[layer][head][query] = toPrevious;
                self[layer][head][query] = toSelf;
                induction[layer][head][query] = toInduction;
                ent[layer][head][query] = e / Math.log(2);
            }
        });
        int vocab = c.vocabSize();
        double[] entropy = new double[n];
        for (int t = 0; t < n; t++) {
            entropy[t] = Probabilities.entropyBits(logits, t * vocab, vocab);
        }
        return new Readings(tokens.clone(), entropy, norms, mean(ent, 0), mean(first, 0), mean(previous, 1), mean(self, 0),
                meanWhere(induction, repeats));
    }

    /** Mean over the queries from {@code from} on, per layer and head. */
    private static double[][] mean(double[][][] perQuery, int from) {
        double[][] m = new double[perQuery.length][];
        for (int l = 0; l < perQuery.length; l++) {
            m[l] = new double[perQuery[l].length];
            for (int h = 0; h < perQuery[l].length; h++) {
                double sum = 0;
                int n = perQuery[l][h].length;
                for (int q = from; q < n; q++) {
                    sum += perQuery[l][h][q];
                }
                m[l][h] = n > from ? sum / (n - from) : 0;
            }
        }
        return m;
    }

    /** Mean over the queries marked, per layer and head (0 where none is). */
    private static double[][] meanWhere(double[][][] perQuery, boolean[] counted) {
        double[][] m = new double[perQuery.length][];
        for (int l = 0; l < perQuery.length; l++) {
            m[l] = new double[perQuery[l].length];
            for (int h = 0; h < perQuery[l].length; h++) {
                double sum = 0;
                int n = 0;
                for (int q = 0; q < counted.length; q++) {
                    if (counted[q]) {
                        sum += perQuery[l][h][q];
                        n++;
                    }
                }
                m[l][h] = n == 0 ? 0 : sum / n;
            }
        }
        return m;
    }

    /** KL(p || q) in bits between the softmaxes of two rows of logits at the same offset. */
    public static double klBits(float[] p, float[] q, int offset, int vocab) {
        double lp = Probabilities.logSumExp(p, offset, vocab);
        double lq = Probabilities.logSumExp(q, offset, vocab);
        double kl = 0;
        for (int i = 0; i < vocab; i++) {
            double logP = p[offset + i] - lp;
            if (logP > -745) {
                kl += Math.exp(logP) * (logP - (q[offset + i] - lq));
            }
        }
        return Math.max(0, kl) / Math.log(2);
    }
}
