/* binary:logistic: margin m is the log-odds, p = 1 / (1 + exp(-m)),
 *   l = -(y log p + (1 - y) log(1 - p)),   g = p - y,   h = max(p (1 - p), 1e-16),
 * both times the row's weight, and times scale_pos_weight where the label is exactly 1 (as XGBoost's RegLossObj:
 * a soft label 0.7 is not scaled). reg:logistic and binary:logitraw are the same loss (logitraw's predictions are the
 * margins themselves).
 * binary:hinge: y' = 2y - 1,  g = -y' w, h = w where m y' < 1, else g = 0 and h = FLT_MIN (XGBoost's HingeObj: a row
 * past the margin weighs nothing, with a hessian that is not quite 0). */
#include <float.h>
#include "objective.h"

void binary_gradients(const float *margin, const float *label, const float *weight, int n, float scale_pos_weight, GradPair *out) {
  for (int i = 0; i < n; i++) {
    float w = weight ? weight[i] : 1.0f;
    if (label[i] == 1.0f) w *= scale_pos_weight;
    /* in float throughout, as XGBoost's RegLossObj with LogisticRegression (regression_loss.h) */
    float p = sigmoid_float(margin[i]), h = p * (1.0f - p);
    out[i].g = (p - label[i]) * w;
    out[i].h = (h > 1e-16f ? h : 1e-16f) * w;
  }
}

void hinge_gradients(const float *margin, const float *label, const float *weight, int n, GradPair *out) {
  for (int i = 0; i < n; i++) {
    float w = weight ? weight[i] : 1.0f, y = (float)(label[i] * 2.0 - 1.0);
    if (margin[i] * y < 1.0f) { out[i].g = -y * w; out[i].h = w; }
    else { out[i].g = 0.0f; out[i].h = FLT_MIN; }
  }
}
