// Normalisations, one work-group per vector of dim values (in place allowed: every work-item
// reads and writes only its own values after the group's sums). Rounded as the CPU engine
// rounds them: float squares summed in double, the mean and the root in float.

// out = x / sqrt(mean(x^2) + eps) * weight.
kernel void rms_norm(global const float* x, global const float* weight, global float* out, int dim, float eps,
                     local acc_t* red) {
    global const float* v = x + get_group_id(0) * dim;
    global float* o = out + get_group_id(0) * dim;
    acc_t squares = 0;
    for (int i = get_local_id(0); i < dim; i += get_local_size(0)) {
        squares += v[i] * v[i];
    }
    squares = group_sum(squares, red);
    const float scale = 1.0f / sqrt((float) (squares / dim) + eps);
    for (int i = get_local_id(0); i < dim; i += get_local_size(0)) {
        o[i] = v[i] * scale * weight[i];
    }
}

// out = (x - mean) / sqrt(variance + eps) * weight (+ bias when has_bias).
kernel void layer_norm(global const float* x, global const float* weight, global const float* bias, int has_bias,
                       global float* out, int dim, float eps, local acc_t* red) {
    global const float* v = x + get_group_id(0) * dim;
    global float* o = out + get_group_id(0) * dim;
    acc_t sum = 0;
    for (int i = get_local_id(0); i < dim; i += get_local_size(0)) {
        sum += v[i];
    }
    const float mean = (float) (group_sum(sum, red) / dim);
    acc_t squares = 0;
    for (int i = get_local_id(0); i < dim; i += get_local_size(0)) {
        float c = v[i] - mean;
        squares += c * c;
    }
    const float scale = 1.0f / sqrt((float) (group_sum(squares, red) / dim) + eps);
    for (int i = get_local_id(0); i < dim; i += get_local_size(0)) {
        o[i] = (v[i] - mean) * scale * weight[i] + (has_bias ? bias[i] : 0.0f);
    }
}
