package org.llmexplorer.engine.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.llmexplorer.engine.sampling.SplitMix64;

/** The trained tensors of a {@link LlamaShape}, under llama.cpp's names. */
public final class LlamaParameters {

    /** One transformer block. */
    public record Layer(Parameter attnNorm, Parameter wq, Parameter wk, Parameter wv, Parameter wo,
                        Parameter ffnNorm, Parameter gate, Parameter up, Parameter down) {
    }

    private final LlamaShape shape;
    final Parameter embedding;
    final Layer[] layers;
    final Parameter outputNorm;
    final Parameter output;
    private final List<Parameter> all = new ArrayList<>();

    /** Zero weights; {@link #initialize} draws them. */
    public LlamaParameters(LlamaShape s) {
        this.shape = s;
        int d = s.dim();
        embedding = add(Parameter.of("token_embd.weight", d, s.vocab()));
        layers = new Layer[s.layers()];
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    add(Parameter.of(p + "attn_norm.weight", d)),
                    add(Parameter.of(p + "attn_q.weight", d, d)),
                    add(Parameter.of(p + "attn_k.weight", d, s.kvDim())),
                    add(Parameter.of(p + "attn_v.weight", d, s.kvDim())),
                    add(Parameter.of(p + "attn_output.weight", d, d)),
                    add(Parameter.of(p + "ffn_norm.weight", d)),
                    add(Parameter.of(p + "ffn_gate.weight", d, s.ffnDim())),
                    add(Parameter.of(p + "ffn_up.weight", d, s.ffnDim())),
                    add(Parameter.of(p + "ffn_down.weight", s.ffnDim(), d)));
        }
        outputNorm = add(Parameter.of("output_norm.weight", d));
        output = add(Parameter.of("output.weight", d, s.vocab()));
    }

    private Parameter add(Parameter p) {
        all.add(p);
        return p;
    }

    /**
     * GPT-2's initialisation: norms at 1, weights normal with standard deviation 0.02, the two
     * projections that write into the residual stream (attention output, down) scaled by
     * 1/sqrt(2 layers) so the stream's variance does not grow with depth.
     */
    public LlamaParameters initialize(long seed) {
        SplitMix64 random = new SplitMix64(seed);
        float residual = (float) (0.02 / Math.sqrt(2.0 * shape.layers()));
        for (Parameter p : all) {
            if (p.isVector()) {
                Arrays.fill(p.value(), 1f);
            } else {
                boolean intoResidual = p.name().endsWith("attn_output.weight") || p.name().endsWith("ffn_down.weight");
                gaussian(p.value(), intoResidual ? residual : 0.02f, random);
            }
        }
        return this;
    }

    /** Normal values by Box-Muller from the seeded generator, so a seed gives the same model everywhere. */
    private static void gaussian(float[] v, float std, SplitMix64 random) {
        for (int i = 0; i < v.length; i += 2) {
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u1)) * std;
            v[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < v.length) {
                v[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
    }

    public LlamaShape shape() {
        return shape;
    }

    /** Every parameter, in the order a GGUF file lists them. */
    public List<Parameter> all() {
        return all;
    }

    public Parameter named(String name) {
        return all.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no parameter " + name));
    }

    public void zeroGrad() {
        for (Parameter p : all) {
            Arrays.fill(p.grad(), 0f);
        }
    }

    /** The gradient's Euclidean norm over every parameter, summed in a fixed order. */
    public double gradNorm() {
        double sum = 0;
        for (Parameter p : all) {
            float[] g = p.grad();
            for (float v : g) {
                sum += (double) v * v;
            }
        }
        return Math.sqrt(sum);
    }
}
