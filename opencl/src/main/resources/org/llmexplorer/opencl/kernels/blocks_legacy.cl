// The 32-value block types, read in place from the GGUF bytes, against activations quantized
// to Q8_0 (int8 codes xq, scale xd per block; for Q4_1/Q5_1 also xs = fp16(d * sum of codes)).
// Integer products are exact, so each block is d_w * d_x * (integer sum), as in llama.cpp.
// Block layouts (bytes): the tensor/format classes of the engine say the same in Java.

// Q8_0, 34 bytes: fp16 d, 32 int8 codes; value = d * q.
inline float dot_q8_0(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 34;
    int16 w0 = convert_int16(vload16(0, (global const char*) (blk + 2)));
    int16 w1 = convert_int16(vload16(1, (global const char*) (blk + 2)));
    int16 x0 = convert_int16(vload16(0, xq + b * 32));
    int16 x1 = convert_int16(vload16(1, xq + b * 32));
    return half_at(blk) * xd[b] * (float) hsum16(w0 * x0 + w1 * x1);
}

// Low nibbles (values 0..15) and high nibbles (values 16..31) of 16 packed bytes.
inline int16 low_nibbles(uchar16 q) {
    return convert_int16(q & (uchar16) 0x0F);
}

inline int16 high_nibbles(uchar16 q) {
    return convert_int16(q >> (uchar16) 4);
}

// Q4_0, 18 bytes: fp16 d, 16 bytes of nibbles (value j low, j + 16 high); value = d * (q - 8).
inline float dot_q4_0(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 18;
    uchar16 q = vload16(0, blk + 2);
    int16 x0 = convert_int16(vload16(0, xq + b * 32));
    int16 x1 = convert_int16(vload16(1, xq + b * 32));
    int s = hsum16((low_nibbles(q) - 8) * x0 + (high_nibbles(q) - 8) * x1);
    return half_at(blk) * xd[b] * (float) s;
}

// Q4_1, 20 bytes: fp16 d and minimum m, 16 bytes of nibbles; value = d * q + m. The minimum
// multiplies xs, the sum of the activations as Q8_1 keeps it.
inline float dot_q4_1(global const uchar* row, int b, global const char* xq, global const float* xd,
                      global const float* xs) {
    global const uchar* blk = row + b * 20;
    uchar16 q = vload16(0, blk + 4);
    int16 x0 = convert_int16(vload16(0, xq + b * 32));
    int16 x1 = convert_int16(vload16(1, xq + b * 32));
    int s = hsum16(low_nibbles(q) * x0 + high_nibbles(q) * x1);
    return half_at(blk) * xd[b] * (float) s + half_at(blk + 2) * xs[b];
}

// The fifth bits of Q5_0/Q5_1: bit j of qh belongs to value j (j < 32).
inline int16 fifth_bits(uint qh, int first) {
    int bits[16];
    for (int j = 0; j < 16; j++) {
        bits[j] = ((qh >> (first + j)) & 1u) << 4;
    }
    return vload16(0, bits);
}

// Q5_0, 22 bytes: fp16 d, 4 bytes of fifth bits, 16 bytes of nibbles; value = d * (q - 16).
inline float dot_q5_0(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 22;
    uint qh = u32_at(blk + 2);
    uchar16 q = vload16(0, blk + 6);
    int16 x0 = convert_int16(vload16(0, xq + b * 32));
    int16 x1 = convert_int16(vload16(1, xq + b * 32));
    int s = hsum16(((low_nibbles(q) | fifth_bits(qh, 0)) - 16) * x0 + ((high_nibbles(q) | fifth_bits(qh, 16)) - 16) * x1);
    return half_at(blk) * xd[b] * (float) s;
}

// Q5_1, 24 bytes: fp16 d and minimum m, fifth bits, nibbles; value = d * q + m.
inline float dot_q5_1(global const uchar* row, int b, global const char* xq, global const float* xd,
                      global const float* xs) {
    global const uchar* blk = row + b * 24;
    uint qh = u32_at(blk + 4);
    uchar16 q = vload16(0, blk + 8);
    int16 x0 = convert_int16(vload16(0, xq + b * 32));
    int16 x1 = convert_int16(vload16(1, xq + b * 32));
    int s = hsum16((low_nibbles(q) | fifth_bits(qh, 0)) * x0 + (high_nibbles(q) | fifth_bits(qh, 16)) * x1);
    return half_at(blk) * xd[b] * (float) s + half_at(blk + 2) * xs[b];
}

// IQ4_NL, 18 bytes: fp16 d, 16 bytes of 4-bit indices into a fixed table of non-uniform levels.
constant char IQ4_NL_LEVELS[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

inline float dot_iq4_nl(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 18;
    global const char* x = xq + b * 32;
    int s = 0;
    for (int j = 0; j < 16; j++) {
        uchar q = blk[2 + j];
        s += IQ4_NL_LEVELS[q & 0xF] * x[j] + IQ4_NL_LEVELS[q >> 4] * x[j + 16];
    }
    return half_at(blk) * xd[b] * (float) s;
}
