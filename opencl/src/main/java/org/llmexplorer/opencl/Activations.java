package org.llmexplorer.opencl;

import org.llmexplorer.engine.tensor.ActivationRounding;
import org.llmexplorer.opencl.ClContext.Buffer;

/**
 * The input of the next matrix products (batch vectors of cols floats in {@code source}) and
 * room for its rounded forms: floats rounded to fp16 or bf16, or int8 codes with per-block
 * scales (and Q8_1 sums). Which form is made is remembered, so that q, k and v, or gate and up,
 * round their shared input once; {@link #of} starts over for a new input.
 */
final class Activations {
    final Buffer rounded;
    final Buffer codes;
    final Buffer scales;
    final Buffer sums;
    private Buffer source;
    private int cols;
    private ActivationRounding ready;

    /** Room for batch vectors of up to maxCols values. */
    Activations(ClContext cl, int batch, int maxCols) {
        long n = (long) batch * maxCols;
        Buffer r = null;
        Buffer c = null;
        Buffer s = null;
        try {
            r = cl.allocate(n * Float.BYTES, "rounded activations");
            c = cl.allocate(n, "quantized activations");
            s = cl.allocate(n / 32 * Float.BYTES, "activation scales");
            sums = cl.allocate(n / 32 * Float.BYTES, "activation sums");
        } catch (RuntimeException e) { // nothing half-made stays on the device
            for (Buffer b : new Buffer[] {r, c, s}) {
                if (b != null) {
                    cl.release(b);
                }
            }
            throw e;
        }
        rounded = r;
        codes = c;
        scales = s;
    }

    /** Takes a new input; nothing is rounded yet. */
    Activations of(Buffer source, int cols) {
        this.source = source;
        this.cols = cols;
        this.ready = null;
        return this;
    }

    Buffer source() {
        return source;
    }

    int cols() {
        return cols;
    }

    ActivationRounding ready() {
        return ready;
    }

    void ready(ActivationRounding kind) {
        ready = kind;
    }

    void release(ClContext cl) {
        cl.release(rounded);
        cl.release(codes);
        cl.release(scales);
        cl.release(sums);
    }
}
