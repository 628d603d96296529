/* Objectives: the loss l(y, margin) boosting minimises, given to the tree growers as
 * per-row gradients g = dl/dmargin and hessians h = d2l/dmargin2 (times row weight).
 * Margins are row-major [row * n_groups + group]; gradients are group-major
 * [group * n_rows + row] so each tree reads one contiguous block. */
#ifndef XGB_OBJECTIVE_H
#define XGB_OBJECTIVE_H
#include "params.h"

/* A fit's query groups (rank:*): group k is rows ptr[k] .. ptr[k + 1]; weight NULL or one per group. n = 0: none. */
typedef struct { const int32_t *ptr; const float *weight; int n; } QueryGroups;

/* label_upper: survival:aft's upper bounds (label then holds the lower ones), else NULL; label_order: survival:cox's rows
 * by |label| (abs_label_order), or NULL to sort them here; groups: rank:*'s query groups. 0, or -1 on failure (recorded:
 * a survival or rank:* scratch buffer could not be allocated). */
int objective_gradients(const Params *p, const float *margin, const float *label, const float *label_upper, const float *weight,
                        const int32_t *label_order, int n, int n_groups, const QueryGroups *groups, int iteration,
                        GradPair *out);
/* The intercept XGBoost 2.x estimates when base_score is unset, in output space. */
double objective_estimate_base_score(const Params *p, const float *label, const float *weight, int n);
double objective_prob_to_margin(int objective, double base_score);
/* Margins → what predict() returns (probabilities, counts, class ids). */
void objective_transform(int objective, const float *margin, int n, int n_groups, float *out);
/* Leaf values that are not Newton steps (reg:absoluteerror: the median residual). */
int objective_refresh_leaves(const Params *p, int objective);

/* XGBoost's common::Sigmoid (src/common/math.h), in float as there: 1 / (expf(min(-x, 88.7)) + 1 + 1e-16). Taken in double
 * and rounded once it was an ulp off native's on many rows, and those ulps, times weights up to 1e6, grew other trees
 * than native's after the first round. */
static inline float sigmoid_float(float x) {
  float e = 88.7f < -x ? 88.7f : -x; /* std::min(-x, 88.7f): a NaN margin stays NaN, as native */
  return 1.0f / (expf(e) + 1.0f + 1e-16f);
}

/* per-family implementations */
void regression_gradients(const Params *p, const float *margin, const float *label, const float *weight, int n, GradPair *out);
void binary_gradients(const float *margin, const float *label, const float *weight, int n, float scale_pos_weight, GradPair *out);
void hinge_gradients(const float *margin, const float *label, const float *weight, int n, GradPair *out);
void multiclass_gradients(const float *margin, const float *label, const float *weight, int n, int k, GradPair *out);
int cox_gradients(const float *margin, const float *label, const float *weight, const int32_t *order, int n, GradPair *out);
void aft_gradients(const Params *p, const float *margin, const float *lower, const float *upper, const float *weight, int n, GradPair *out);
/* survival helpers the metrics share: the rows by |label| (free() it; NULL on failure), a row's AFT loss */
int32_t *abs_label_order(const float *label, int n);
double aft_loss(int distribution, double lower, double upper, double margin, double sigma);
int rank_gradients(const Params *p, const float *margin, const float *label, int n, const QueryGroups *groups,
                   int iteration, GradPair *out);
#endif
