// Dot products of n consecutive weights of a float row with float activations (already rounded
// to the weights' type where llama.cpp rounds them). Rows of float types may have any length,
// so a "block" here is up to 32 values.

inline float dot_f32(global const uchar* row, int from, int n, global const float* x) {
    global const float* w = (global const float*) row + from;
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        s += w[i] * x[from + i];
    }
    return s;
}

inline float dot_f16(global const uchar* row, int from, int n, global const float* x) {
    global const half* w = (global const half*) row + from;
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        s += vload_half(i, w) * x[from + i];
    }
    return s;
}

// bfloat16 is the upper half of a float32.
inline float dot_bf16(global const uchar* row, int from, int n, global const float* x) {
    global const ushort* w = (global const ushort*) row + from;
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        s += as_float((uint) w[i] << 16) * x[from + i];
    }
    return s;
}
