// The K-quants: super-blocks of 256 values in sub-blocks of 16 or 32, each sub-block with its
// own small integer scale (and minimum). The activations are quantized to Q8_K: int8 codes xq
// and one float scale xd per 256. Within a sub-block the products are exact integers; the
// sub-block scales apply to those sums and the activation scale to the block's total.

// The 6-bit scale (.x) and minimum (.y) of sub-block j (0..7) of Q4_K and Q5_K: sub-blocks
// 0..3 in the low 6 bits of bytes j and j + 4; 4..7 in the nibbles of byte j + 4 with their top
// two bits in the high bits of bytes j - 4 and j.
inline int2 k4_scale_min(global const uchar* s, int j) {
    if (j < 4) {
        return (int2) (s[j] & 63, s[j + 4] & 63);
    }
    return (int2) ((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4));
}

// Q2_K, 84 bytes: 16 scale bytes (low nibble scale, high nibble minimum of a sub-block of 16),
// 64 bytes of 2-bit codes, fp16 d and dmin; value = d * scale * q - dmin * min. Sub-block i
// (of 16 values) takes its codes from bits 2 * ((i / 2) % 4) of 16 bytes at 16 + 32 * (i / 8) + 16 * (i % 2).
inline float dot_q2_k(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 84;
    global const char* x = xq + b * 256;
    const float d = half_at(blk + 80);
    const float dmin = half_at(blk + 82);
    float acc = 0.0f;
    for (int i = 0; i < 16; i++) {
        global const uchar* q = blk + 16 + 32 * (i / 8) + 16 * (i % 2);
        const int shift = 2 * ((i / 2) % 4);
        int sq = 0;
        int sx = 0;
        for (int l = 0; l < 16; l++) {
            int a = x[16 * i + l];
            sq += ((q[l] >> shift) & 3) * a;
            sx += a;
        }
        const uchar sc = blk[i];
        acc += d * (float) (sc & 0xF) * (float) sq - dmin * (float) (sc >> 4) * (float) sx;
    }
    return xd[b] * acc;
}

// Q3_K, 110 bytes: 32 bytes of high bits (hmask), 64 bytes of 2-bit low codes, 12 bytes of
// sixteen 6-bit scales, fp16 d; value = d * (scale - 32) * (low - 4 when the high bit is clear).
// Sub-block i uses the same code bytes as Q2_K's and high bit (i / 2) of hmask[16 * (i % 2) + l].
inline float dot_q3_k(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 110;
    global const uchar* s = blk + 96;
    global const char* x = xq + b * 256;
    float acc = 0.0f;
    for (int i = 0; i < 16; i++) {
        // scale i: low nibble from byte i % 8 (low for i < 8, high after), top two bits from byte 8 + i % 4
        const int low = i < 8 ? s[i % 8] & 0xF : s[i % 8] >> 4;
        const int scale = (low | ((s[8 + i % 4] >> (2 * (i / 4))) & 3) << 4) - 32;
        global const uchar* q = blk + 32 + 32 * (i / 8) + 16 * (i % 2);
        global const uchar* h = blk + 16 * (i % 2);
        const int shift = 2 * ((i / 2) % 4);
        const uchar bit = 1 << (i / 2);
        int sum = 0;
        for (int l = 0; l < 16; l++) {
            int code = ((q[l] >> shift) & 3) - ((h[l] & bit) ? 0 : 4);
            sum += code * x[16 * i + l];
        }
        acc += (float) scale * (float) sum;
    }
    return xd[b] * half_at(blk + 108) * acc;
}

// Q4_K, 144 bytes: fp16 d and dmin, 12 bytes of 6-bit scales and minimums, 128 bytes of
// nibbles: bytes 32j .. 32j + 31 hold sub-block 2j in their low nibbles and 2j + 1 in their high.
inline float dot_q4_k(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 144;
    global const char* x = xq + b * 256;
    const float d = half_at(blk);
    const float dmin = half_at(blk + 2);
    float acc = 0.0f;
    for (int j = 0; j < 4; j++) {
        global const uchar* q = blk + 16 + 32 * j;
        global const char* xa = x + 64 * j;
        int sq1 = 0, sq2 = 0, sx1 = 0, sx2 = 0;
        for (int l = 0; l < 32; l++) {
            sq1 += (q[l] & 0xF) * xa[l];
            sq2 += (q[l] >> 4) * xa[32 + l];
            sx1 += xa[l];
            sx2 += xa[32 + l];
        }
        int2 a = k4_scale_min(blk + 4, 2 * j);
        int2 c = k4_scale_min(blk + 4, 2 * j + 1);
        acc += d * (float) a.x * (float) sq1 - dmin * (float) a.y * (float) sx1;
        acc += d * (float) c.x * (float) sq2 - dmin * (float) c.y * (float) sx2;
    }
    return xd[b] * acc;
}

// Q5_K, 176 bytes: Q4_K's fields with 32 bytes of fifth bits (qh) before the nibbles: bit 2j of
// qh[l] is the high bit of value l of sub-block 2j, bit 2j + 1 that of sub-block 2j + 1.
inline float dot_q5_k(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 176;
    global const uchar* qh = blk + 16;
    global const char* x = xq + b * 256;
    const float d = half_at(blk);
    const float dmin = half_at(blk + 2);
    float acc = 0.0f;
    for (int j = 0; j < 4; j++) {
        global const uchar* q = blk + 48 + 32 * j;
        global const char* xa = x + 64 * j;
        int sq1 = 0, sq2 = 0, sx1 = 0, sx2 = 0;
        for (int l = 0; l < 32; l++) {
            int q1 = (q[l] & 0xF) | (((qh[l] >> (2 * j)) & 1) << 4);
            int q2 = (q[l] >> 4) | (((qh[l] >> (2 * j + 1)) & 1) << 4);
            sq1 += q1 * xa[l];
            sq2 += q2 * xa[32 + l];
            sx1 += xa[l];
            sx2 += xa[32 + l];
        }
        int2 a = k4_scale_min(blk + 4, 2 * j);
        int2 c = k4_scale_min(blk + 4, 2 * j + 1);
        acc += d * (float) a.x * (float) sq1 - dmin * (float) a.y * (float) sx1;
        acc += d * (float) c.x * (float) sq2 - dmin * (float) c.y * (float) sx2;
    }
    return xd[b] * acc;
}

// Q6_K, 210 bytes: 128 bytes of low nibbles (ql), 64 bytes of 2-bit high parts (qh), 16 int8
// scales, fp16 d; value = d * scale * (q - 32). Each half of 128 values uses 64 ql bytes and
// 32 qh bytes: value 32k + l (k = 0..3, l < 32) takes the low or high nibble (k >= 2) of
// ql[l + 32 (k % 2)] and bits 2k of qh[l]; sub-blocks are 16 values, scale index 8 * half + l / 16 + 2k.
inline float dot_q6_k(global const uchar* row, int b, global const char* xq, global const float* xd) {
    global const uchar* blk = row + b * 210;
    global const char* scales = (global const char*) (blk + 192);
    global const char* x = xq + b * 256;
    float acc = 0.0f;
    for (int half_ = 0; half_ < 2; half_++) {
        global const uchar* ql = blk + 64 * half_;
        global const uchar* qh = blk + 128 + 32 * half_;
        for (int k = 0; k < 4; k++) {
            for (int part = 0; part < 2; part++) {
                int sum = 0;
                for (int l = 16 * part; l < 16 * part + 16; l++) {
                    int low = (ql[l + 32 * (k % 2)] >> (k >= 2 ? 4 : 0)) & 0xF;
                    int q = (low | ((qh[l] >> (2 * k)) & 3) << 4) - 32;
                    sum += q * x[128 * half_ + 32 * k + l];
                }
                acc += (float) scales[8 * half_ + part + 2 * k] * (float) sum;
            }
        }
    }
    return xd[b] * half_at(blk + 208) * acc;
}
