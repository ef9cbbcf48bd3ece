// Element-wise steps of the residual stream, one work-item per value.

// x += y (residual connections).
kernel void add(global float* x, global const float* y, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] += y[i];
    }
}

// x[t * width + i] += bias[i] for every vector t of a batch.
kernel void add_bias(global float* x, global const float* bias, int width, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] += bias[i % width];
    }
}

// x *= factor (gemma's query scale).
kernel void scale(global float* x, float factor, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] *= factor;
    }
}
