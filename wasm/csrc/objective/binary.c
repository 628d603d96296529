/* binary:logistic: margin m is the log-odds, p = 1 / (1 + exp(-m)),
 *   l = -(y log p + (1 - y) log(1 - p)),   g = p - y,   h = max(p (1 - p), 1e-16). */
#include "objective.h"

void binary_gradients(const float *margin, const float *label, const float *weight, int n, GradPair *out) {
  for (int i = 0; i < n; i++) {
    float w = weight ? weight[i] : 1.0f;
    double p = 1.0 / (1.0 + exp(-(double)margin[i]));
    double h = p * (1.0 - p);
    out[i].g = (float)((p - label[i]) * w);
    out[i].h = (float)((h > 1e-16 ? h : 1e-16) * w);
  }
}
