/* Training parameters, in XGBoost's names. The bindings validate user input and
 * pass these as a flat array of doubles in the order of ParamId. */
#ifndef XGB_PARAMS_H
#define XGB_PARAMS_H
#include "common.h"

typedef enum {
  OBJ_SQUARED_ERROR = 0, OBJ_ABSOLUTE_ERROR, OBJ_PSEUDO_HUBER, OBJ_BINARY_LOGISTIC,
  OBJ_MULTI_SOFTPROB, OBJ_MULTI_SOFTMAX, OBJ_COUNT_POISSON,
  OBJ_GAMMA, OBJ_TWEEDIE, OBJ_SQUARED_LOG_ERROR, OBJ_REG_LOGISTIC, OBJ_BINARY_LOGITRAW, OBJ_BINARY_HINGE,
  OBJ_SURVIVAL_COX, OBJ_SURVIVAL_AFT, OBJ_RANK_PAIRWISE, OBJ_RANK_NDCG, OBJ_RANK_MAP, OBJ_COUNT
} ObjectiveId;

typedef enum { GROW_DEPTHWISE = 0, GROW_LOSSGUIDE = 1, GROW_SYMMETRIC = 2 } GrowPolicy;
/* survival:aft's distribution of the log-time noise (XGBoost's aft_loss_distribution) */
typedef enum { AFT_NORMAL = 0, AFT_LOGISTIC = 1, AFT_EXTREME = 2 } AftDistribution;
typedef enum { BOOT_NO = 0, BOOT_BERNOULLI = 1, BOOT_BAYESIAN = 2 } BootstrapType;

typedef enum {
  P_OBJECTIVE, P_NUM_CLASS, P_ETA, P_GAMMA, P_MIN_CHILD_WEIGHT, P_LAMBDA, P_ALPHA,
  P_MAX_DELTA_STEP, P_MAX_DEPTH, P_MAX_LEAVES, P_GROW_POLICY, P_SUBSAMPLE,
  P_COLSAMPLE_BYTREE, P_COLSAMPLE_BYLEVEL, P_COLSAMPLE_BYNODE, P_MAX_BIN, P_SEED,
  P_NUM_PARALLEL_TREE, P_BASE_SCORE, P_HUBER_SLOPE, P_RANDOM_STRENGTH,
  P_BOOTSTRAP_TYPE, P_BAGGING_TEMPERATURE,
  P_MAX_CAT_TO_ONEHOT, P_MAX_CAT_THRESHOLD, /* categorical splits (split_categorical.c) */
  P_SCALE_POS_WEIGHT,
  P_TWEEDIE_VARIANCE_POWER,
  P_AFT_LOSS_DISTRIBUTION, P_AFT_LOSS_DISTRIBUTION_SCALE,
  P_NUM_PAIRSAMPLE, P_FIX_LIST_WEIGHT, /* rank:* (objective/rank.c) */
  P_COUNT
} ParamId;

typedef struct {
  int objective, num_class;
  double eta, gamma, min_child_weight, lambda, alpha, max_delta_step;
  int max_depth, max_leaves, grow_policy;
  double subsample, colsample_bytree, colsample_bylevel, colsample_bynode;
  int max_bin;
  uint64_t seed;
  int num_parallel_tree;
  double base_score, huber_slope, random_strength;
  int bootstrap_type;
  double bagging_temperature;
  int max_cat_to_onehot, max_cat_threshold;
  /* the weight of rows labelled exactly 1 in reg:squarederror and binary:logistic (XGBoost's RegLossObj) */
  double scale_pos_weight;
  /* reg:tweedie's rho in [1, 2] (XGBoost's tweedie_variance_power) */
  double tweedie_variance_power;
  /* survival:aft's (XGBoost's AFTParam): an AftDistribution and its scale sigma (a float there) */
  int aft_loss_distribution;
  double aft_loss_distribution_scale;
  /* rank:*: partners drawn per row, and the list weight (0: none) (XGBoost's LambdaRankParam) */
  int num_pairsample;
  double fix_list_weight;
} Params;

static inline int objective_is_rank(int o) { return o == OBJ_RANK_PAIRWISE || o == OBJ_RANK_NDCG || o == OBJ_RANK_MAP; }

void params_from_array(Params *p, const double *v);
#endif
