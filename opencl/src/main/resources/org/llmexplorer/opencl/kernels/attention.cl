// Scaled dot-product attention over the keys a mask allows, and no others.
//
// The host lists, per mask "slot" (each distinct mask of the plan) and new token t, the allowed
// keys: ranges[3 * (slot * count + t)] = {first, n, list}; list < 0 means the keys are
// first .. first + n - 1 (causal and sliding-window masks), otherwise lists[list .. list + n).
// head_slot[slot_base + head] says which slot a head of this layer runs under (slot_base =
// layer * heads).

// x[0 .. n) becomes softmax(x), computed by the whole work-group: max subtracted, exp and the
// sum in double where the device has doubles (as the CPU engine), then scaled by 1 / sum.
inline void group_softmax(global float* x, int n, local acc_t* red) {
    const int lid = get_local_id(0);
    const int size = get_local_size(0);
    float max = -INFINITY;
    for (int i = lid; i < n; i += size) {
        max = fmax(max, x[i]);
    }
    max = group_max(max, (local float*) red);
    acc_t sum = 0;
    for (int i = lid; i < n; i += size) {
        const float e = exp_f(x[i] - max);
        x[i] = e;
        sum += e;
    }
    sum = group_sum(sum, red);
    const float inverse = (float) (1.0 / sum);
    for (int i = lid; i < n; i += size) {
        x[i] *= inverse;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
}

// Each row of n values (rows after each other) becomes its softmax; one work-group per row.
kernel void softmax(global float* x, int n, local acc_t* red) {
    group_softmax(x + get_group_id(0) * n, n, red);
}

inline int allowed_key(int first, int list, global const int* lists, int i) {
    return list < 0 ? first + i : lists[list + i];
}

// Entry i of a layer's keys or values: floats, or the bits of halves (a half-precision cache).
inline float cached(global const void* cache, ulong i, int half_cache) {
    return half_cache ? vload_half(i, (global const half*) cache) : ((global const float*) cache)[i];
}

// n new keys or values (floats) into a half-precision cache from entry at on, rounded to the
// nearest half as the CPU's cache rounds them.
kernel void store_half(global const float* x, global ushort* cache, int at, int n) {
    const int i = get_global_id(0);
    if (i < n) {
        cache[at + i] = half_bits(x[i]);
    }
}

// One work-group per (token t, head): scores of the allowed keys into weights (which the host
// reads back when someone records this head), softmax, then the weighted sum of the values.
// A query head reads the key/value head its group shares (grouped-query attention). With a
// half-precision cache the queries and the weights are rounded to half too, as llama.cpp's
// products with half-precision keys and values take half-precision operands (and as the CPU does).
kernel void attention(global const float* q, global const void* keys, global const void* values, int half_cache,
                      global const int* ranges, global const int* lists, global const int* head_slot,
                      int slot_base, global float* weights, int weight_stride, global float* out, int count, int heads,
                      int group, int head_dim, int kv_dim, float scale, float softcap, local acc_t* red) {
    const int task = get_group_id(0);
    const int t = task / heads;
    const int head = task % heads;
    const int lid = get_local_id(0);
    const int size = get_local_size(0);
    global const int* range = ranges + 3 * (head_slot[slot_base + head] * count + t);
    const int first = range[0];
    const int n = range[1];
    const int list = range[2];
    global const float* query = q + (t * heads + head) * head_dim;
    const int kv = (head / group) * head_dim;
    global float* w = weights + (ulong) task * weight_stride;

    for (int i = lid; i < n; i += size) {
        const ulong key = (ulong) allowed_key(first, list, lists, i) * kv_dim + kv;
        float s = 0.0f;
        for (int d = 0; d < head_dim; d++) {
            const float qd = query[d];
            s += (half_cache ? round_to_half(qd) : qd) * cached(keys, key + d, half_cache);
        }
        s *= scale;
        w[i] = softcap > 0.0f ? softcapped(s, softcap) : s;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    group_softmax(w, n, red);
    if (half_cache) {
        for (int i = lid; i < n; i += size) {
            w[i] = round_to_half(w[i]);
        }
        barrier(CLK_GLOBAL_MEM_FENCE);
    }

    for (int d = lid; d < head_dim; d += size) {
        float acc = 0.0f;
        for (int i = 0; i < n; i++) {
            acc += w[i] * cached(values, (ulong) allowed_key(first, list, lists, i) * kv_dim + kv + d, half_cache);
        }
        out[(t * heads + head) * head_dim + d] = acc;
    }
}
