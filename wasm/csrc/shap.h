/* Explaining predictions: per-feature contributions of each row's margin (TreeSHAP,
 * Lundberg et al.), SHAP interaction values, and Saabas' approximation — the numbers
 * XGBoost returns for predict(pred_contribs / pred_interactions / approx_contribs).
 * The math is in shap.c's opening comment.
 *
 * Layouts (as XGBoost's): with M = the model's feature count and K output groups,
 *   contributions  out[(row * K + group) * (M + 1) + j],  j = M is the bias;
 *   interactions   out[((row * K + group) * (M + 1) + i) * (M + 1) + j].
 * Every row of a group sums to that group's margin. Trees [0, tree_end) are used
 * (XGBoost explains whole-model prefixes only). */
#ifndef XGB_SHAP_H
#define XGB_SHAP_H
#include "booster.h"

/* The rows rows[0 .. nrow) of X (x_rows rows), or its first nrow rows when rows is NULL, as bst_predict
 * (X NULL: qm's decoded rows). */
int bst_predict_contribs(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow, int tree_end, int approx, float *out);
/* The most rows one task of these explains (a call on fewer rows is one task: on one thread). */
int bst_shap_task_rows(int interactions);
/* Frees the booster's TreeSHAP cache (shap.c): called wherever its trees change, and when it is freed. A booster's
 * contributions are computed by one caller at a time (the cache is filled by the call that first needs it). */
void shap_cache_drop(Booster *b);
int bst_predict_interactions(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow, int tree_end, int approx, float *out);
#endif
