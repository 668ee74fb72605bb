/*
 * Adam's update for one variable in one pass, with wasm SIMD (f32x4): the same float32 operations in the
 * same order as tfjs's AdamOptimizer (each of mul, add, div and sqrt is correctly rounded in IEEE float32,
 * and wasm has no fused multiply-add), so the result is bit-identical to it.
 * Built by scripts/build-wasm.sh into adam_wasm.ts; see src/train/fused-adam.ts.
 *
 * w, m and v are updated in place; they and g live in this module's own memory (the caller copies them in).
 */
#include <wasm_simd128.h>

struct AdamConstants {
  float beta1, one_minus_beta1, beta2, one_minus_beta2, one_minus_acc_beta1, one_minus_acc_beta2, epsilon, neg_learning_rate;
};

static inline float step_scalar(float *w, float g, float *m, float *v, const struct AdamConstants *c) {
  float mj = *m * c->beta1 + g * c->one_minus_beta1;
  float vj = *v * c->beta2 + (g * g) * c->one_minus_beta2;
  float m_hat = mj / c->one_minus_acc_beta1;
  float v_hat = vj / c->one_minus_acc_beta2;
  float step = m_hat / (__builtin_sqrtf(v_hat) + c->epsilon);
  *m = mj;
  *v = vj;
  return step * c->neg_learning_rate + *w;
}

__attribute__((export_name("adam")))
void adam(float *w, const float *g, float *m, float *v, int n, const struct AdamConstants *c) {
  const v128_t b1 = wasm_f32x4_splat(c->beta1), omb1 = wasm_f32x4_splat(c->one_minus_beta1);
  const v128_t b2 = wasm_f32x4_splat(c->beta2), omb2 = wasm_f32x4_splat(c->one_minus_beta2);
  const v128_t omab1 = wasm_f32x4_splat(c->one_minus_acc_beta1), omab2 = wasm_f32x4_splat(c->one_minus_acc_beta2);
  const v128_t eps = wasm_f32x4_splat(c->epsilon), nlr = wasm_f32x4_splat(c->neg_learning_rate);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gi = wasm_v128_load(g + i);
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gi, omb1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), omb2));
    const v128_t m_hat = wasm_f32x4_div(mi, omab1);
    const v128_t v_hat = wasm_f32x4_div(vi, omab2);
    const v128_t step = wasm_f32x4_div(m_hat, wasm_f32x4_add(wasm_f32x4_sqrt(v_hat), eps));
    wasm_v128_store(w + i, wasm_f32x4_add(wasm_f32x4_mul(step, nlr), wasm_v128_load(w + i)));
    wasm_v128_store(m + i, mi);
    wasm_v128_store(v + i, vi);
  }
  for (; i < n; i++) w[i] = step_scalar(w + i, g[i], m + i, v + i, c);
}
