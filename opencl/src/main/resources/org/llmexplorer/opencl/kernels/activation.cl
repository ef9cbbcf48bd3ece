// Activations of the feed-forward network, one work-item per value.

// gate = silu(gate) * up, silu(g) = g / (1 + exp(-g)).
kernel void swiglu(global float* gate, global const float* up, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        const float g = gate[i];
        gate[i] = g / (1.0f + exp_f(-g)) * up[i];
    }
}

// GELU as llama.cpp's CPU backend evaluates it, and so the CPU engine (compute/Gelu): x rounded
// to fp16 indexes a table of 65536 results (computed on the host), 0 below -10, x above 10.
inline float gelu_of(float x, global const float* table) {
    if (x <= -10.0f) {
        return 0.0f;
    }
    if (x >= 10.0f) {
        return x;
    }
    return table[half_bits(x)];
}

kernel void gelu(global float* x, global const float* table, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] = gelu_of(x[i], table);
    }
}

// gate = gelu(gate) * up.
kernel void geglu(global float* gate, global const float* up, global const float* table, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        gate[i] = gelu_of(gate[i], table) * up[i];
    }
}

// x = cap * tanh(x / cap), with x / cap taken as x * (1 / cap) as ggml does.
inline float softcapped(float x, float cap) {
    return tanh_f(x * (1.0f / cap)) * cap;
}

kernel void softcap(global float* x, float cap, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        x[i] = softcapped(x[i], cap);
    }
}
