/* multi:softprob / multi:softmax: K margins per row, p_k = softmax(m)_k,
 *   l = -log p_y,   g_k = (p_k - [y == k]) w,   h_k = max(2 p_k (1 - p_k) w, 1e-16)
 * (the factor 2 is XGBoost's diagonal bound on the softmax Hessian). */
#include "objective.h"

/* In float as XGBoost's SoftmaxMultiClassObj (multiclass_obj.cu), with its quirks: the running maximum starts at
 * FLT_MIN (so margins all below 0 are shifted by 0, not by their maximum), the exponentials are floats summed in double,
 * each p_k is a float divided by the float sum, and the hessian is clamped to 1e-16 after weighting (a row of weight 0
 * keeps 1e-16). Taken in double and rounded once, gradients were an ulp off native's on many rows: with weights spanning
 * 1e-6..1e6 the first tree already split other nodes than native's. */
void multiclass_gradients(const float *margin, const float *label, const float *weight, int n, int k, GradPair *out) {
  /* expf(m_c - max) is computed twice (for the sum, then per class) rather than kept in a
   * scratch buffer: no allocation that could fail, and gradients are a small part of a round */
  for (int i = 0; i < n; i++) {
    const float *m = margin + (size_t)i * k;
    float mx = FLT_MIN;
    for (int c = 0; c < k; c++) mx = fmaxf(m[c], mx);
    double sum = 0;
    for (int c = 0; c < k; c++) sum += expf(m[c] - mx);
    float w = weight ? weight[i] : 1.0f;
    int y = (int)label[i];
    for (int c = 0; c < k; c++) {
      float pc = expf(m[c] - mx) / (float)sum, h = 2.0f * pc * (1.0f - pc) * w;
      out[(size_t)c * n + i].g = (c == y ? pc - 1.0f : pc) * w;
      out[(size_t)c * n + i].h = h > 1e-16f ? h : 1e-16f;
    }
  }
}
