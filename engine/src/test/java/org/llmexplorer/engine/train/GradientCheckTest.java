package org.llmexplorer.engine.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.llmexplorer.engine.attention.MaskPlan;
import org.llmexplorer.engine.compute.Parallel;
import org.llmexplorer.engine.sampling.SplitMix64;

/**
 * Each layer's backward pass against central finite differences of its forward pass. The loss
 * is a fixed random weighting of the layer's outputs, sum r_i y_i, so its gradient with respect
 * to the outputs is r. Errors are relative to the larger of the two gradients, with a floor of
 * a thousandth of the tensor's largest gradient (a hundredth through the whole network), where
 * float rounding swamps tiny ones.
 */
class GradientCheckTest {
    private static final Parallel P = new Parallel(2);
    private static final double TOLERANCE = 2e-2;

    @AfterAll
    static void close() {
        P.close();
    }

    private static float[] random(int n, long seed, float scale) {
        SplitMix64 r = new SplitMix64(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    private static double weighted(float[] y, float[] r) {
        double s = 0;
        for (int i = 0; i < r.length; i++) {
            s += (double) y[i] * r[i];
        }
        return s;
    }

    /** Largest relative error between the analytic gradient and central differences, over every input. */
    static double check(String what, float[] x, float[] analytic, DoubleSupplier loss, float h) {
        return check(what, x, analytic, loss, h, 1e-3, TOLERANCE);
    }

    static double check(String what, float[] x, float[] analytic, DoubleSupplier loss, float h, double floor,
                        double tolerance) {
        float max = 0;
        for (float g : analytic) {
            max = Math.max(max, Math.abs(g));
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            x[i] = keep + h;
            double up = loss.getAsDouble();
            x[i] = keep - h;
            double down = loss.getAsDouble();
            x[i] = keep;
            double numeric = (up - down) / (2 * h);
            double scale = Math.max(Math.max(Math.abs(numeric), Math.abs(analytic[i])), floor * max);
            worst = Math.max(worst, Math.abs(numeric - analytic[i]) / scale);
        }
        System.out.printf("gradient check %-28s max relative error %.2e over %d values%n", what, worst, x.length);
        assertTrue(worst < tolerance, what + ": relative error " + worst);
        return worst;
    }

    @Test
    void linear() {
        for (int[] d : new int[][] {{5, 7, 3}, {8, 64, 36}, {9, 130, 10}}) { // tails, and full SIMD tiles
            int n = d[0];
            int in = d[1];
            int out = d[2];
            float[] x = random(n * in, 1, 1);
            float[] w = random(out * in, 2, 0.5f);
            float[] r = random(n * out, 3, 1);
            float[] y = new float[n * out];
            DoubleSupplier loss = () -> {
                Linear.forward(P, x, w, y, n, in, out);
                return weighted(y, r);
            };
            float[] dx = new float[n * in];
            float[] dw = new float[out * in];
            Linear.backward(P, r, x, w, dx, dw, n, in, out);
            check("linear " + n + "x" + in + "->" + out + " dx", x, dx, loss, 1e-2f);
            check("linear " + n + "x" + in + "->" + out + " dW", w, dw, loss, 1e-2f);
        }
    }

    @Test
    void rmsNorm() {
        int n = 4;
        int d = 24;
        float[] x = random(n * d, 4, 2);
        float[] w = random(d, 5, 1);
        float[] r = random(n * d, 6, 1);
        float[] y = new float[n * d];
        float[] scale = new float[n];
        DoubleSupplier loss = () -> {
            RmsNorm.forward(P, x, w, y, scale, n, d, 1e-5f);
            return weighted(y, r);
        };
        loss.getAsDouble();
        float[] dx = new float[n * d];
        float[] dw = new float[d];
        RmsNorm.backward(P, r, x, w, scale, dx, dw, n, d);
        check("rmsnorm dx", x, dx, loss, 1e-2f);
        check("rmsnorm dw", w, dw, loss, 1e-2f);
    }

    @Test
    void embedding() {
        int[] tokens = {3, 1, 3, 0};
        int dim = 5;
        float[] table = random(4 * dim, 7, 1);
        float[] r = random(tokens.length * dim, 8, 1);
        float[] y = new float[tokens.length * dim];
        DoubleSupplier loss = () -> {
            Embedding.forward(tokens, tokens.length, table, dim, y);
            return weighted(y, r);
        };
        float[] grad = new float[table.length];
        Embedding.backward(tokens, tokens.length, r, grad, dim);
        check("embedding", table, grad, loss, 1e-2f);
    }

    @Test
    void rope() {
        int seq = 6;
        int heads = 2;
        int headDim = 8;
        int n = 2 * seq;
        RotaryEmbedding rope = new RotaryEmbedding(headDim, 10000f, seq);
        float[] x = random(n * heads * headDim, 9, 1);
        float[] r = random(x.length, 10, 1);
        float[] y = new float[x.length];
        DoubleSupplier loss = () -> {
            System.arraycopy(x, 0, y, 0, x.length);
            rope.forward(P, y, n, seq, heads, headDim);
            return weighted(y, r);
        };
        float[] grad = r.clone();
        rope.backward(P, grad, n, seq, heads, headDim);
        check("rope", x, grad, loss, 1e-2f);
    }

    @Test
    void swiglu() {
        int n = 40;
        float[] g = random(n, 11, 3);
        float[] u = random(n, 12, 2);
        float[] r = random(n, 13, 1);
        float[] a = new float[n];
        DoubleSupplier loss = () -> {
            SwiGlu.forward(P, g, u, a, n);
            return weighted(a, r);
        };
        float[] dg = new float[n];
        float[] du = new float[n];
        SwiGlu.backward(P, r, g, u, dg, du, n);
        check("swiglu gate", g, dg, loss, 1e-2f);
        check("swiglu up", u, du, loss, 1e-2f);
    }

    @Test
    void crossEntropy() {
        int n = 3;
        int vocab = 11;
        int[] targets = {4, 0, 10};
        float[] logits = random(n * vocab, 14, 3);
        float[] work = new float[logits.length];
        float[] perToken = new float[n];
        DoubleSupplier loss = () -> {
            System.arraycopy(logits, 0, work, 0, logits.length);
            return CrossEntropy.apply(P, work, targets, n, vocab, perToken, false);
        };
        float[] grad = logits.clone();
        CrossEntropy.apply(P, grad, targets, n, vocab, perToken, true);
        check("cross-entropy", logits, grad, loss, 1e-2f);
    }

    @Test
    void attentionUnderMasks() {
        for (String spec : new String[] {"causal", "sliding:w=3", "L0H0@causal;L0H1-@dilated:w=2,d=2"}) {
            int batch = 2;
            int seq = 7;
            int heads = 4;
            int kvHeads = 2;
            int headDim = 6;
            int n = batch * seq;
            MaskPlan masks = Trainer.masks(spec);
            MaskedAttention attention = new MaskedAttention(seq, heads, kvHeads, headDim);
            float[] q = random(n * heads * headDim, 15, 1);
            float[] k = random(n * kvHeads * headDim, 16, 1);
            float[] v = random(n * kvHeads * headDim, 17, 1);
            float[] r = random(q.length, 18, 1);
            float[] out = new float[q.length];
            float[] probs = new float[batch * heads * seq * seq];
            DoubleSupplier loss = () -> {
                attention.forward(P, masks, 0, batch, q, k, v, out, probs);
                return weighted(out, r);
            };
            loss.getAsDouble();
            float[] dq = new float[q.length];
            float[] dk = new float[k.length];
            float[] dv = new float[v.length];
            attention.backward(P, masks, 0, batch, q, k, v, probs, r, dq, dk, dv);
            check("attention " + spec + " dq", q, dq, loss, 1e-2f);
            check("attention " + spec + " dk", k, dk, loss, 1e-2f);
            check("attention " + spec + " dv", v, dv, loss, 1e-2f);
        }
    }

    /** The whole network: every parameter tensor, a sample of its entries, against the loss itself. */
    @Test
    void wholeNetwork() {
        LlamaShape shape = new LlamaShape(2, 16, 4, 2, 24, 13, 8, 10000f, 1e-5f);
        LlamaParameters params = new LlamaParameters(shape).initialize(3);
        for (Parameter p : params.all()) { // larger weights than training starts with, so every path matters
            float[] noise = random(p.size(), p.name().hashCode(), p.isVector() ? 0.3f : 0.3f);
            for (int i = 0; i < p.size(); i++) {
                p.value()[i] = (p.isVector() ? 1f : 0f) + noise[i];
            }
        }
        int batch = 2;
        int seq = 5;
        LlamaNetwork net = new LlamaNetwork(params, Trainer.masks("sliding:w=3"), batch, seq, P);
        int[] inputs = {1, 5, 7, 2, 12, 0, 3, 3, 9, 4};
        int[] targets = {5, 7, 2, 12, 0, 3, 3, 9, 4, 11};
        DoubleSupplier loss = () -> {
            net.forward(inputs);
            return net.loss(targets, false);
        };
        params.zeroGrad();
        net.forward(inputs);
        net.loss(targets, true);
        net.backward();
        for (Parameter p : params.all()) {
            // Through a whole float network the differences carry more rounding: the floor is a
            // hundredth of the tensor's largest gradient, the tolerance 5%.
            check("network " + p.name(), p.value(), p.grad(), loss, 1e-2f, 1e-2, 5e-2);
        }
    }
}
