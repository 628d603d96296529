/* multi:softprob / multi:softmax: K margins per row, p_k = softmax(m)_k,
 *   l = -log p_y,   g_k = p_k - [y == k],   h_k = max(2 p_k (1 - p_k), 1e-16)
 * (the factor 2 is XGBoost's diagonal bound on the softmax Hessian). */
#include "objective.h"

void multiclass_gradients(const float *margin, const float *label, const float *weight, int n, int k, GradPair *out) {
  /* exp(m_c - max) is computed twice (for the sum, then per class) rather than kept in a
   * scratch buffer: no allocation that could fail, and gradients are a small part of a round */
  for (int i = 0; i < n; i++) {
    const float *m = margin + (size_t)i * k;
    double mx = m[0], sum = 0;
    for (int c = 1; c < k; c++) if (m[c] > mx) mx = m[c];
    for (int c = 0; c < k; c++) sum += exp(m[c] - mx);
    float w = weight ? weight[i] : 1.0f;
    int y = (int)label[i];
    for (int c = 0; c < k; c++) {
      double pc = exp(m[c] - mx) / sum, h = 2.0 * pc * (1.0 - pc);
      out[(size_t)c * n + i].g = (float)((pc - (c == y ? 1.0 : 0.0)) * w);
      out[(size_t)c * n + i].h = (float)((h > 1e-16 ? h : 1e-16) * w);
    }
  }
}
