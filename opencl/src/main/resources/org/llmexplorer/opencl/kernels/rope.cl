// Rotary position embedding: pair i of every head of every token is rotated by that token's
// angle i. The host computes the angles (cs: per token, pairs cosines then pairs sines) exactly
// as the CPU engine does (stepped in float, as ggml), so both rotate by the same numbers.
// NORM pairs adjacent values (2i, 2i + 1); NEOX pairs i with i + pairs.
// Work-items: (pair, token * heads + head).
kernel void rope(global float* v, global const float* cs, int heads, int head_dim, int pairs, int neox) {
    const int i = get_global_id(0);
    const int th = get_global_id(1);
    if (i >= pairs) {
        return;
    }
    const int t = th / heads;
    global float* head = v + th * head_dim;
    const int a = neox ? i : 2 * i;
    const int b = neox ? i + pairs : 2 * i + 1;
    const float c = cs[t * 2 * pairs + i];
    const float s = cs[t * 2 * pairs + pairs + i];
    const float x0 = head[a];
    const float x1 = head[b];
    head[a] = x0 * c - x1 * s;
    head[b] = x0 * s + x1 * c;
}
