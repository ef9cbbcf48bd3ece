// What every kernel file uses. The files are joined in the order KernelSource lists them and
// built as one program.
//
// The CPU engine is the specification, so the kernels round the way Java does: no fused
// multiply-adds (Java never contracts a * b + c), divisions and square roots correctly rounded
// (the build asks for that where the device offers it), and exp/tanh evaluated in double where
// the device has doubles, as Java's Math.exp and Math.tanh are, then rounded to float.

#pragma OPENCL FP_CONTRACT OFF

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;  // sums that the CPU engine keeps in double
#define exp_f(x) ((float) exp((double) (x)))
#define tanh_f(x) ((float) tanh((double) (x)))
#else
typedef float acc_t;
#define exp_f(x) exp(x)
#define tanh_f(x) tanh(x)
#endif

// An IEEE half stored little-endian at p (2-byte aligned: every half field of a GGUF block is).
inline float half_at(global const uchar* p) {
    return vload_half(0, (global const half*) p);
}

// Four bytes at any address, little-endian.
inline uint u32_at(global const uchar* p) {
    return (uint) p[0] | (uint) p[1] << 8 | (uint) p[2] << 16 | (uint) p[3] << 24;
}

// x rounded to the nearest half (ties to even), as Java's Float.floatToFloat16.
inline ushort half_bits(float x) {
    ushort h;
    vstore_half_rte(x, 0, (half*) &h);
    return h;
}

inline float round_to_half(float x) {
    ushort h = half_bits(x);
    return vload_half(0, (const half*) &h);
}

// x rounded to bfloat16 (ties to even; a NaN stays a quiet NaN), as the CPU engine rounds it.
inline float round_to_bf16(float x) {
    uint u = as_uint(x);
    uint h = (u & 0x7FFFFFFFu) > 0x7F800000u ? (u >> 16) | 64u : (u + (0x7FFFu + ((u >> 16) & 1u))) >> 16;
    return as_float(h << 16);
}

inline int hsum16(int16 v) {
    int8 a = v.lo + v.hi;
    int4 b = a.lo + a.hi;
    int2 c = b.lo + b.hi;
    return c.x + c.y;
}

// Work-group reductions over local memory of one value per work-item; the group size is a
// power of two. Every work-item gets the result.
inline float group_max(float v, local float* red) {
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) {
            red[lid] = fmax(red[lid], red[lid + s]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline acc_t group_sum(acc_t v, local acc_t* red) {
    const int lid = get_local_id(0);
    red[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) {
            red[lid] += red[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    acc_t r = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}
