package org.llmexplorer.engine.train;

/**
 * One trained tensor under its GGUF name, with its gradient. Matrices are stored as GGUF
 * stores them: {@code shape = [columns, rows]}, row after row, so a linear layer's weight of
 * shape [in, out] holds out rows of in values and computes out = W . in.
 */
public record Parameter(String name, long[] shape, float[] value, float[] grad) {

    public static Parameter of(String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return new Parameter(name, shape, new float[(int) n], new float[(int) n]);
    }

    public int size() {
        return value.length;
    }

    /** Norm weights and other vectors: no weight decay, and always exported as F32. */
    public boolean isVector() {
        return shape.length == 1;
    }
}
