// out[t * rows + r] = row r of the weights . activations of token t, for t < batch.
//
// One work-group per row: its work-items take the row's blocks in turn, each keeps a partial
// sum per token, and the group adds them up in local memory. Tokens go TOKENS_PER_PASS at a time
// so that a block of weights, once read, serves several tokens of a prompt.
//
// Every weight type has a kernel of its own, named matmul_<type>; they all call matmul_rows
// with the type as a constant, so the compiler keeps only that type's branch of block_dot.

#define TOKENS_PER_PASS 4
#define PARTS 8

enum weight_type { F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K };

// The dot product of block b of a row with one token's activations: xf for float types,
// otherwise codes xq with scales xd (and Q8_1 sums xs) of that token.
inline float block_dot(const enum weight_type type, global const uchar* row, int b, int cols,
                       global const float* xf, global const char* xq, global const float* xd,
                       global const float* xs) {
    switch (type) {
        case F32: return dot_f32(row, 32 * b, min(32, cols - 32 * b), xf);
        case F16: return dot_f16(row, 32 * b, min(32, cols - 32 * b), xf);
        case BF16: return dot_bf16(row, 32 * b, min(32, cols - 32 * b), xf);
        case Q8_0: return dot_q8_0(row, b, xq, xd);
        case Q4_0: return dot_q4_0(row, b, xq, xd);
        case Q4_1: return dot_q4_1(row, b, xq, xd, xs);
        case Q5_0: return dot_q5_0(row, b, xq, xd);
        case Q5_1: return dot_q5_1(row, b, xq, xd, xs);
        case IQ4_NL: return dot_iq4_nl(row, b, xq, xd);
        case Q2_K: return dot_q2_k(row, b, xq, xd);
        case Q3_K: return dot_q3_k(row, b, xq, xd);
        case Q4_K: return dot_q4_k(row, b, xq, xd);
        case Q5_K: return dot_q5_k(row, b, xq, xd);
        case Q6_K: return dot_q6_k(row, b, xq, xd);
    }
    return 0.0f;
}

// block: values per block (32 for float and legacy types, 256 for K-quants); row_bytes: bytes
// per row; partial: local memory of TOKENS_PER_PASS floats per work-item. The group size is a
// power of two.
inline void matmul_rows(const enum weight_type type, const int block, global const uchar* w, int row_bytes,
                        int rows, int cols, global const float* xf, global const char* xq,
                        global const float* xd, global const float* xs, int batch, global float* out,
                        local float* partial) {
    const int row = get_group_id(0);
    const int lid = get_local_id(0);
    const int size = get_local_size(0);
    const int blocks = (cols + block - 1) / block;
    const int scales = cols / block; // activation scales per token (quantized types)
    global const uchar* r = w + (ulong) row * row_bytes;
    for (int t0 = 0; t0 < batch; t0 += TOKENS_PER_PASS) {
        const int tokens = min(TOKENS_PER_PASS, batch - t0);
        // A work-item's blocks go round PARTS running sums, added pairwise at the end: where a
        // work-item takes many blocks (one per row on a CPU device) the sum then rounds as a
        // tree would, not as one long chain.
        float acc[TOKENS_PER_PASS][PARTS];
        for (int t = 0; t < TOKENS_PER_PASS; t++) {
            for (int k = 0; k < PARTS; k++) {
                acc[t][k] = 0.0f;
            }
        }
        int k = 0;
        for (int b = lid; b < blocks; b += size, k = (k + 1) % PARTS) {
            for (int t = 0; t < tokens; t++) {
                const int token = t0 + t;
                acc[t][k] += block_dot(type, r, b, cols, xf + token * cols, xq + token * cols, xd + token * scales,
                                       xs + token * scales);
            }
        }
        for (int t = 0; t < TOKENS_PER_PASS; t++) {
            partial[t * size + lid] = ((acc[t][0] + acc[t][1]) + (acc[t][2] + acc[t][3]))
                                    + ((acc[t][4] + acc[t][5]) + (acc[t][6] + acc[t][7]));
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int s = size / 2; s > 0; s >>= 1) {
            if (lid < s) {
                for (int t = 0; t < TOKENS_PER_PASS; t++) {
                    partial[t * size + lid] += partial[t * size + lid + s];
                }
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        for (int t = lid; t < tokens; t += size) { // groups may be smaller than TOKENS_PER_PASS
            out[(t0 + t) * rows + row] = partial[t * size];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

#define MATMUL_ARGS global const uchar* w, int row_bytes, int rows, int cols, global const float* xf, \
    global const char* xq, global const float* xd, global const float* xs, int batch, global float* out, \
    local float* partial
#define MATMUL_PASS w, row_bytes, rows, cols, xf, xq, xd, xs, batch, out, partial

kernel void matmul_f32(MATMUL_ARGS) { matmul_rows(F32, 32, MATMUL_PASS); }
kernel void matmul_f16(MATMUL_ARGS) { matmul_rows(F16, 32, MATMUL_PASS); }
kernel void matmul_bf16(MATMUL_ARGS) { matmul_rows(BF16, 32, MATMUL_PASS); }
kernel void matmul_q8_0(MATMUL_ARGS) { matmul_rows(Q8_0, 32, MATMUL_PASS); }
kernel void matmul_q4_0(MATMUL_ARGS) { matmul_rows(Q4_0, 32, MATMUL_PASS); }
kernel void matmul_q4_1(MATMUL_ARGS) { matmul_rows(Q4_1, 32, MATMUL_PASS); }
kernel void matmul_q5_0(MATMUL_ARGS) { matmul_rows(Q5_0, 32, MATMUL_PASS); }
kernel void matmul_q5_1(MATMUL_ARGS) { matmul_rows(Q5_1, 32, MATMUL_PASS); }
kernel void matmul_iq4_nl(MATMUL_ARGS) { matmul_rows(IQ4_NL, 32, MATMUL_PASS); }
kernel void matmul_q2_k(MATMUL_ARGS) { matmul_rows(Q2_K, 256, MATMUL_PASS); }
kernel void matmul_q3_k(MATMUL_ARGS) { matmul_rows(Q3_K, 256, MATMUL_PASS); }
kernel void matmul_q4_k(MATMUL_ARGS) { matmul_rows(Q4_K, 256, MATMUL_PASS); }
kernel void matmul_q5_k(MATMUL_ARGS) { matmul_rows(Q5_K, 256, MATMUL_PASS); }
kernel void matmul_q6_k(MATMUL_ARGS) { matmul_rows(Q6_K, 256, MATMUL_PASS); }
