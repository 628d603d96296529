/* Evaluation metrics (XGBoost's eval_metric names), computed from predictions in
 * output space (probabilities for classification, rates for Poisson), weighted. */
#ifndef XGB_METRIC_H
#define XGB_METRIC_H
#include "common.h"

typedef enum { M_RMSE = 0, M_MAE, M_LOGLOSS, M_ERROR, M_AUC, M_MLOGLOSS, M_MERROR, M_POISSON_NLOGLIK, M_MPHE, M_RMSLE, M_MAPE,
              M_GAMMA_NLOGLIK, M_GAMMA_DEVIANCE, M_TWEEDIE_NLOGLIK, M_AUCPR,
              M_COX_NLOGLIK, M_AFT_NLOGLIK, M_INTERVAL_REGRESSION_ACCURACY, M_NDCG, M_MAP, M_PRE, M_COUNT } MetricId;

/* huber_slope: mphe's; rho: tweedie-nloglik's (its @rho) */
double metric_regression(int metric, const float *pred, const float *label, const float *weight, int n, double huber_slope, double rho);
/* threshold: error's (error@t; 0.5 for error) */
double metric_binary(int metric, const float *prob, const float *label, const float *weight, int n, double threshold);
/* auc (pr = 0) or aucpr (pr = 1) of a K-class model, one class against the rest */
double metric_auc_ovr(const float *prob, const float *label, const float *weight, int n, int k, int pr);
double metric_multiclass(int metric, const float *prob, const float *label, const float *weight, int n, int k);
/* cox-nloglik on predictions exp(m) (weights unused, as native's); aft-nloglik and interval-regression-accuracy on the
 * margins and the bounds [lower, upper] */
double metric_cox(const float *pred, const float *label, int n);
double metric_aft(int metric, const float *margin, const float *lower, const float *upper, const float *weight, int n,
                  int distribution, double sigma);
/* A label as native's rank code reads it, static_cast<int>(label), without C's undefined behaviour (and wasm's trap)
 * past the int range: there x86's cvttss2si gives INT_MIN, as here. */
static inline int32_t rank_label_int(float y) {
  return y > -2147483648.0f && y < 2147483648.0f ? (int32_t)y : INT32_MIN;
}
/* 2^rel - 1, native's ((1 << rel) - 1), with x86's shift (the count taken mod 32) and wrapping int arithmetic: the
 * same number for relevance degrees 0..30 (the bindings refuse others), no undefined behaviour for the rest */
static inline double rank_gain(uint32_t rel) {
  return (double)(int32_t)((1u << (rel & 31u)) - 1u);
}

/* ndcg@topn, map@topn and pre@topn (topn UINT32_MAX: the whole list) averaged over the query groups ptr[k] ..
 * ptr[k + 1] (ptr NULL: one group of every row); minus: a group without relevant rows scores 0, not 1 (native's
 * "ndcg-"; pre reads no minus) */
double metric_rank(int metric, const float *pred, const float *label, int n, const int32_t *ptr, int n_groups,
                   uint32_t topn, int minus);
/* auc (pr 0) or aucpr (pr 1) of an eval set with query groups, per query as XGBoost 1.7's RankingAUC (binary.c);
 * group_weight: one per group (NULL: 1) */
double metric_rank_auc(int pr, const float *pred, const float *label, int n, const int32_t *ptr, int n_groups,
                       const float *group_weight);
#endif
