/* The core's exported functions: the TypeScript bindings call exactly these, and so
 * does the native test driver (wasm/native/). All pointers are into the module's
 * memory; the bindings own every buffer they pass. Functions returning int give 0 on
 * success and -1 on failure, with the reason in xgb_last_error(). */
#ifndef XGB_API_H
#define XGB_API_H
#include "booster.h"

const char *xgb_last_error(void);
void *xgb_malloc(size_t bytes);
void xgb_free(void *p);

Booster *bst_create(void);
void bst_free(Booster *b);
void bst_set_params(Booster *b, const double *values);   /* P_COUNT values in ParamId order */
/* Feature types for training: n bytes, 0 numeric, 1 categorical (codes 0..XGB_MAX_CAT);
 * n = 0 clears them. Categorical features get one-hot / partition splits
 * (split_categorical.c); not with grow_policy symmetric. */
int bst_set_feature_types(Booster *b, const uint8_t *types, int n);
/* monotone_constraints (split.h NodeBounds): n values of -1 / 0 / 1 for features 0 .. n-1 (the rest 0, as native);
 * n = 0 clears them (native's empty list: no constraint). At most the training matrix's features, checked when a fit
 * begins. Not with grow_policy symmetric. */
int bst_set_monotone(Booster *b, const int8_t *values, int n);
/* interaction_constraints (grower.c allowed_features): on = 0 clears them; else n_groups groups, group g's feature
 * indexes features[group_begin[g] .. group_begin[g + 1]) (group_begin: n_groups + 1 offsets), each below the
 * training matrix's features (checked when a fit begins). Not with grow_policy symmetric. */
int bst_set_interactions(Booster *b, int on, const int32_t *features, const int32_t *group_begin, int n_groups);

/* The quantised form of a matrix (qmatrix.h): cuts and bin codes, built once, shared by
 * every fit on its rows; qm_build and qm_free are declared there. */

/* Training: X row-major float32 with NaN for missing; label/weight may be NULL. The
 * buffers must stay alive until bst_train_end. base_score NaN = estimate from labels.
 * bst_train_begin bins X itself; bst_train_begin_q fits on the rows rows[0 .. n_rows) of
 * a matrix already binned into qm (all its rows when rows is NULL; n_rows = qm's rows),
 * whose floats X, labels and weights (all of the matrix's rows) it reads through rows.
 * qm's max_bin and feature types must be the booster's, and qm too must stay alive until
 * bst_train_end. Continued training (a booster with trees) starts from the existing trees'
 * margins, predicted on X's rows through rows — the floats are read, never copied — or,
 * X NULL, on qm's decoded rows (bst_predict). */
int bst_train_begin(Booster *b, const float *X, int nrow, int ncol, const float *label, const float *weight, double base_score);
int bst_train_begin_q(Booster *b, const QMatrix *qm, const float *X, const float *label, const float *weight,
                      const int32_t *rows, int n_rows, double base_score);
/* survival:aft: the upper bounds of the matrix's rows (its labels are the lower ones; +inf = right-censored), kept
 * alive as the labels; after bst_train_begin_q, before the first round */
int bst_train_set_upper(Booster *b, const float *upper);
int bst_boost_round(Booster *b, int iteration, int num_rounds);
/* rank:*'s query groups for the fit begun last: group k is its rows ptr[k] .. ptr[k + 1] (ptr[0] = 0, ptr[n_query] =
 * its rows), weight NULL or one per group (native's per-group weights). Without them the rows are one group. */
int bst_train_query_groups(Booster *b, const int32_t *ptr, const float *weight, int n_query);
float *bst_train_margin(Booster *b);                      /* nrow * n_groups */
/* Frees a fit's working memory (its gathered bins, gradients, scratch) until its next round,
 * which rebuilds it exactly: the same model as without parking (booster.c: TrainState). */
void bst_train_park(Booster *b);
void bst_train_end(Booster *b);

/* Prediction into out (nrow * n_groups floats; n_groups = 1 except multi:softprob) of
 * the rows rows[0 .. nrow) of X (x_rows rows of ncol floats), or of its first nrow rows
 * when rows is NULL: a row view predicts through its indexes, without a copy. X NULL: the
 * rows are qm's decoded rows (qmatrix.h: a matrix whose floats were released after
 * binning), for a model whose splits bst_check_decode accepts — the same numbers, bit for
 * bit, as on the floats. */
int bst_predict(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow,
                int tree_begin, int tree_end, int output_margin, float *out);
void bst_margin_init(Booster *b, float *margin, int nrow);
int bst_margin_add(Booster *b, const float *X, const QMatrix *qm, int x_rows, int ncol, const int32_t *rows, int nrow,
                   int tree_begin, int tree_end, float *margin);
/* 0 when trees [tree_begin, tree_end) (tree_end < 0: all) split only at qm's cuts, so they
 * predict exactly on its decoded rows; else -1 naming the first split that does not. */
int bst_check_decode(Booster *b, const QMatrix *qm, int tree_begin, int tree_end);
/* threshold: error@t's t (0.5 for error), tweedie-nloglik@rho's rho, ndcg@k's and map@k's k (4294967295: the whole
 * list); other metrics ignore it. upper: survival:aft's upper bounds for its metrics (label: the lower ones), else
 * NULL. ndcg and map read the query groups query_ptr[0 .. n_query] (n_query 0: one group of all rows) and minus (their
 * "-" form); the others ignore them. */
double bst_eval(Booster *b, int metric, double threshold, const float *margin, const float *label, const float *upper,
                const float *weight, int nrow, const int32_t *query_ptr, int n_query, const float *query_weight, int minus);

/* SHAP contributions and interaction values (shap.h: layouts). */
#include "shap.h"

/* Model access for saving/loading the JSON format. */
int bst_num_trees(Booster *b);
int bst_tree_group(Booster *b, int t);
int bst_tree_num_nodes(Booster *b, int t);
void *bst_tree_array(Booster *b, int t, int which);       /* 0 left 1 right 2 parent 3 feature 4 cond 5 base_weight 6 loss_chg 7 sum_hess 8 default_left
                                                           * 9 split_type (u8) 10 cat_begin 11 cat_size (i32, in words of bst_tree_cat_words) */
int bst_add_tree(Booster *b, int n_nodes, int group);     /* returns the tree index; arrays then filled through bst_tree_array */
/* A tree's pool of category bitset words (tree.h): its size, and the words. Loading
 * reserves n_words words first (bst_tree_reserve_cat_words) and fills them. */
int bst_tree_num_cat_words(Booster *b, int t);
uint32_t *bst_tree_cat_words(Booster *b, int t);
uint32_t *bst_tree_reserve_cat_words(Booster *b, int t, int n_words);
void bst_set_model(Booster *b, int num_feature, int n_groups, double base_score); /* the margin follows from the objective */
double bst_base_score(Booster *b);
double bst_base_margin(Booster *b);
#endif
