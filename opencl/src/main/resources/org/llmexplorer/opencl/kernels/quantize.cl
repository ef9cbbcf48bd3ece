// Activation rounding. llama.cpp's CPU matrix products first convert the activations to the
// weights' companion type; the CPU engine does the same (ActivationRounding, Q8_1Activations)
// and so do we, with the same arithmetic, so that every backend sees the same codes.

// Q8_0 (for Q8_0, Q4_0, Q5_0, IQ4_NL weights) and Q8_1 (Q4_1, Q5_1): per block of 32,
// codes q = rint(x * 127 / max|x|) (ties to even), the fp16 scale d = max|x| / 127, and for
// Q8_1 also s = fp16(d * sum(q)) with d not rounded, which the weights' minimum multiplies.
// One work-item a block. jitter is 1 except in tests that measure rounding sensitivity.
kernel void quantize_q8_0(global const float* x, global char* q, global float* d, global float* s,
                          int blocks, float jitter) {
    const int b = get_global_id(0);
    if (b >= blocks) {
        return;
    }
    global const float* v = x + b * 32;
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) {
        amax = fmax(amax, fabs(v[j]));
    }
    const float scale = amax / 127.0f;
    const float inverse = amax != 0.0f ? 127.0f / amax * jitter : 0.0f;
    int sum = 0;
    for (int j = 0; j < 32; j++) {
        int c = (int) rint(v[j] * inverse);
        q[b * 32 + j] = (char) c;
        sum += c;
    }
    d[b] = round_to_half(scale);
    s[b] = round_to_half(scale * (float) sum);
}

// Q8_K (for the K-quants): per block of 256, the value of largest magnitude maps to -127;
// q = min(127, rint(-127 x / max)), value = q / (-127 / max) with a float scale.
kernel void quantize_q8_k(global const float* x, global char* q, global float* d, int blocks, float jitter) {
    const int b = get_global_id(0);
    if (b >= blocks) {
        return;
    }
    global const float* v = x + b * 256;
    float amax = 0.0f;
    float max = 0.0f;
    for (int j = 0; j < 256; j++) {
        if (fabs(v[j]) > amax) { // the first of equal magnitudes wins, as on the CPU
            amax = fabs(v[j]);
            max = v[j];
        }
    }
    if (amax == 0.0f) {
        for (int j = 0; j < 256; j++) {
            q[b * 256 + j] = 0;
        }
        d[b] = 0.0f;
        return;
    }
    const float inverse = -127.0f / max * jitter;
    for (int j = 0; j < 256; j++) {
        q[b * 256 + j] = (char) min(127.0f, rint(inverse * v[j]));
    }
    d[b] = 1.0f / inverse;
}

// fp16 and bf16 weights see their activations rounded to the same type.
kernel void round_f16(global const float* x, global float* y, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        y[i] = round_to_half(x[i]);
    }
}

kernel void round_bf16(global const float* x, global float* y, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        y[i] = round_to_bf16(x[i]);
    }
}
